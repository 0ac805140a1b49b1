import type { ClauseLayout, RedlineBlocks } from "@gavel/model";
import * as Y from "yjs";
import type { StoredUpdate } from "../store/Store.ts";
import { Attribution, type RedlineAuthor } from "./Attribution.ts";

/*
 * A clause's text from one point of its log to another, as segments kept, inserted or deleted,
 * each change attributed to the author of the stored update that made it. The log is replayed
 * with garbage collection off, so deleted text is still there to show; which characters (and
 * bracket marks) were visible at each point is read from the two snapshots.
 */

export type { RedlineAuthor } from "./Attribution.ts";

export interface RedlineSegment {
  readonly text: string;
  readonly kind: "same" | "inserted" | "deleted";
  /** Who inserted or deleted it; null for `same`, and when the log does not say. */
  readonly by: RedlineAuthor | null;
}

/** The segments of one clause document: `records` its log in order, the first `before` of them up to `from`. */
export function clauseSegments(
  records: readonly StoredUpdate[],
  before: number,
  layout: ClauseLayout,
): RedlineSegment[] {
  const doc = new Y.Doc({ gc: false });
  const authors = new Attribution();
  try {
    for (const record of records.slice(0, before)) replay(doc, record.update);
    const from = Y.snapshot(doc);
    for (const record of records.slice(before)) {
      authors.add(record);
      replay(doc, record.update);
    }
    return new Walk(from, Y.snapshot(doc), authors, layout.redlineBlocks(doc)).blocks();
  } finally {
    doc.destroy();
  }
}

function replay(doc: Y.Doc, update: Uint8Array): void {
  try {
    Y.applyUpdate(doc, update);
  } catch {
    // The write path never stores such an update; skip it as a load would.
  }
}

/** One character, as the two points of time see it. */
interface CharEvent {
  readonly text: string;
  readonly client: number;
  readonly clock: number;
  readonly seen: Seen;
  /** The bracket (its key) the character stands in, at each point where it is visible. */
  readonly keys: { readonly from: string | null; readonly to: string | null };
  /** The bracket marks that decide those brackets, for attributing a change of bracket signs. */
  readonly marks: { readonly from: Y.Item | null; readonly to: Y.Item | null };
}

interface Seen {
  readonly from: boolean;
  readonly to: boolean;
}

type Side = "from" | "to";

/** Walks the document once, emitting segments; brackets are drawn as readClause draws them. */
class Walk {
  private readonly out = new Segments();

  constructor(
    private readonly from: Y.Snapshot,
    private readonly to: Y.Snapshot,
    private readonly authors: Attribution,
    private readonly layout: RedlineBlocks,
  ) {}

  blocks(): RedlineSegment[] {
    const earlier: { from: Y.Item | null; to: Y.Item | null } = { from: null, to: null };
    for (const item of this.layout.blocks) {
      const seen = this.seen(item, { from: true, to: true });
      if (!seen.from && !seen.to) continue;
      this.separator(item, seen, earlier);
      if (seen.from) earlier.from = item;
      if (seen.to) earlier.to = item;
      const chars: CharEvent[] = [];
      for (const text of this.layout.texts(item)) {
        const parent = text._item && text._item !== item ? this.seen(text._item, seen) : seen;
        this.text(text, parent, chars);
      }
      this.line(chars);
    }
    return this.out.segments;
  }

  /** The newline before a line: kept, or coming or going with the line (or the one before it). */
  private separator(item: Y.Item, seen: Seen, earlier: { from: Y.Item | null; to: Y.Item | null }): void {
    const before = seen.from && earlier.from !== null;
    const after = seen.to && earlier.to !== null;
    if (before && after) this.out.push("\n", "same", null);
    else if (before) this.out.push("\n", "deleted", this.deleter(item) ?? this.deleter(earlier.from));
    else if (after) this.out.push("\n", "inserted", this.creator(item) ?? this.creator(earlier.to));
  }

  private text(text: Y.XmlText, parent: Seen, out: CharEvent[]): void {
    const marks: { from: Y.Item | null; to: Y.Item | null } = { from: null, to: null };
    for (let item = text._start; item !== null; item = item.right) {
      const content = item.content;
      if (this.layout.isBracketMark(item)) {
        const seen = this.seen(item, parent);
        if (seen.from) marks.from = item;
        if (seen.to) marks.to = item;
      } else if (content instanceof Y.ContentString) {
        const { client, clock } = item.id;
        for (let i = 0; i < content.str.length; i++) {
          const seen = this.seenAt(client, clock + i, parent);
          if (!seen.from && !seen.to) continue;
          const keys = {
            from: seen.from && marks.from ? this.layout.keyOf(marks.from, this.from) : null,
            to: seen.to && marks.to ? this.layout.keyOf(marks.to, this.to) : null,
          };
          out.push({ text: content.str[i] ?? "", client, clock: clock + i, seen, keys, marks: { ...marks } });
        }
      }
    }
  }

  /** One line: its characters with the bracket signs each point draws around them. */
  private line(chars: readonly CharEvent[]): void {
    const opens = { from: signs(chars, "from", "open"), to: signs(chars, "to", "open") };
    const closes = { from: signs(chars, "from", "close"), to: signs(chars, "to", "close") };
    chars.forEach((char, i) => {
      this.signs(chars, i, -1, opens.from[i] === true, opens.to[i] === true, "[");
      this.out.push(char.text, kindOf(char.seen), this.changedBy(char));
      this.signs(chars, i, 1, closes.from[i] === true, closes.to[i] === true, "]");
    });
  }

  /** The sign one side draws at `chars[i]` (before it: step -1, after it: step 1), and whose change it is. */
  private signs(chars: readonly CharEvent[], i: number, step: -1 | 1, from: boolean, to: boolean, sign: string): void {
    const char = chars[i];
    if ((!from && !to) || !char) return;
    if (char.seen.from && char.seen.to) {
      if (from && to) this.out.push(sign, "same", null);
      else this.out.push(sign, from ? "deleted" : "inserted", this.signChangedBy(chars, i, step));
    } else {
      this.out.push(sign, char.seen.from ? "deleted" : "inserted", this.changedBy(char));
    }
  }

  /**
   * A sign that one side draws around a kept character changed with its bracket mark, or with
   * the neighbour it is compared to (which came, went or was marked): the nearest such change
   * towards the sign, up to the first character both sides keep.
   */
  private signChangedBy(chars: readonly CharEvent[], i: number, step: -1 | 1): RedlineAuthor | null {
    for (let j = i; j >= 0 && j < chars.length; j += step) {
      const char = chars[j];
      if (!char) break;
      const author = this.changedBy(char) ?? this.markChangedBy(char);
      if (author) return author;
      if (j !== i && char.seen.from && char.seen.to) break;
    }
    return null;
  }

  private changedBy(char: CharEvent): RedlineAuthor | null {
    if (char.seen.from && char.seen.to) return null;
    return char.seen.to
      ? this.authors.creatorOf(char.client, char.clock)
      : this.authors.deleterOf(char.client, char.clock);
  }

  /** Who changed the brackets around a kept character: who marked it since, else who unmarked it. */
  private markChangedBy(char: CharEvent): RedlineAuthor | null {
    const { to, from } = char.marks;
    if (to !== null && !this.existedAt(this.from, to)) return this.creator(to);
    return from !== null ? this.deleter(from) : null;
  }

  private creator(item: Y.Item | null): RedlineAuthor | null {
    return item ? this.authors.creatorOf(item.id.client, item.id.clock) : null;
  }

  private deleter(item: Y.Item | null): RedlineAuthor | null {
    return item ? this.authors.deleterOf(item.id.client, item.id.clock) : null;
  }

  private seen(item: Y.Item, parent: Seen): Seen {
    return this.seenAt(item.id.client, item.id.clock, parent);
  }

  private seenAt(client: number, clock: number, parent: Seen): Seen {
    return {
      from: parent.from && visible(this.from, client, clock),
      to: parent.to && visible(this.to, client, clock),
    };
  }

  private existedAt(snapshot: Y.Snapshot, item: Y.Item): boolean {
    return (snapshot.sv.get(item.id.client) ?? 0) > item.id.clock;
  }
}

function visible(snapshot: Y.Snapshot, client: number, clock: number): boolean {
  return (snapshot.sv.get(client) ?? 0) > clock && !Y.isDeleted(snapshot.ds, Y.createID(client, clock));
}

function kindOf(seen: Seen): RedlineSegment["kind"] {
  return seen.from && seen.to ? "same" : seen.from ? "deleted" : "inserted";
}

/** For each character of a line, whether one side draws `[` before it (open) or `]` after it (close). */
function signs(chars: readonly CharEvent[], side: Side, which: "open" | "close"): boolean[] {
  const result: boolean[] = [];
  const order = which === "open" ? chars.map((_, i) => i) : chars.map((_, i) => chars.length - 1 - i);
  let neighbour: string | null = null;
  for (const i of order) {
    const char = chars[i];
    if (!char?.seen[side]) continue;
    const key = char.keys[side];
    result[i] = key !== null && key !== neighbour;
    neighbour = key;
  }
  return result;
}

/** Segments, adjacent ones of the same kind and author merged. */
class Segments {
  readonly segments: RedlineSegment[] = [];

  push(text: string, kind: RedlineSegment["kind"], by: RedlineAuthor | null): void {
    const last = this.segments.at(-1);
    if (last && last.kind === kind && sameAuthor(last.by, by)) {
      this.segments[this.segments.length - 1] = { ...last, text: last.text + text };
    } else {
      this.segments.push({ text, kind, by });
    }
  }
}

function sameAuthor(a: RedlineAuthor | null, b: RedlineAuthor | null): boolean {
  if (a === null || b === null) return a === b;
  return a.name === b.name && a.delegation === b.delegation && a.role === b.role;
}
