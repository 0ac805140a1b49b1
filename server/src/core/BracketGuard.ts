import {
  type Actor,
  type ClauseBracket,
  type ClauseLayout,
  decideBracketEdit,
  needsOwnershipCheck,
  prosemirrorLayout,
} from "@gavel/model";
import * as Y from "yjs";
import { insertsOnlyOutsideBrackets } from "./textOutsideBrackets.ts";

/** A write refused for bracket ownership (SPEC BO5), answered as a lock refusal is. */
export interface BracketRefusal {
  readonly code: "BRACKET_OWNED";
  readonly reason: string;
}

/**
 * Bracket ownership on the write path of one clause (SPEC BO). Off the common keystroke
 * (BO4): it keeps the brackets of the document writes land on, and a delegate whose delegation
 * holds all of them is not checked. Only when the clause holds a bracket of another delegation
 * is the write applied to a copy (the base itself is never touched) and the brackets before
 * and after it compared (decideBracketEdit).
 *
 * The kept brackets (`known`) decide only who must be checked, by their proposers: they are
 * exact or stale only towards "more to check", since a transaction that may add a bracket or
 * change whose it is (the layout's bracketsMayChange) drops them. The copy's brackets, which the
 * rules compare text and all, are exact: the copy is kept for the next check, catches up with
 * what the base took meanwhile (a bracket's owner typing into it, unchecked, changes its text
 * without changing whose it is) and is read again whenever it took anything (one delegate
 * typing in a clause with another's bracket pays one apply and one read per checked keystroke,
 * not a copy); text typed where no bracket is skips the copy altogether
 * (insertsOnlyOutsideBrackets, for the y-prosemirror layout).
 */
export class BracketGuard {
  private base: Y.Doc | null = null;
  private known: readonly ClauseBracket[] | null = null;
  private replica: Replica | null = null;
  private readonly watch = (transaction: Y.Transaction): void => {
    if (this.known !== null && this.layout.bracketsMayChange(transaction)) this.known = null;
  };

  /** `layout`: the clause layout of the session (its brackets are read through it). */
  constructor(private readonly layout: ClauseLayout = prosemirrorLayout) {}

  /**
   * Whether `writer` may apply `update` to `base`, the state it will land on (the live document
   * plus the writes in flight to the store). Applies nothing to `base`; an update Yjs cannot
   * apply is left for the caller's validation to answer.
   */
  refusal(writer: Actor | null, base: Y.Doc, update: Uint8Array): BracketRefusal | null {
    if (writer === null || writer.role !== "delegate") return null;
    this.follow(base);
    this.known ??= this.layout.read(base).brackets;
    if (!needsOwnershipCheck(writer, this.known)) return null;
    // BO2 and BO3 compare the brackets before and after: text typed where no bracket is, adding
    // none, changes none of them (the common keystroke in a bracketed clause).
    if (this.layout === prosemirrorLayout && insertsOnlyOutsideBrackets(base, update)) return null;
    const replica = this.replicaOf(base);
    try {
      Y.applyUpdate(replica.doc, update);
    } catch {
      this.replica = null;
      return null;
    }
    const after = this.layout.read(replica.doc).brackets;
    const decision = decideBracketEdit(writer, replica.brackets, after);
    if (decision.ok) {
      replica.brackets = after;
      return null;
    }
    this.replica = null; // it holds the refused update
    return { code: "BRACKET_OWNED", reason: `${decision.error.rule}: ${decision.error.message}` };
  }

  /** A copy of `base` with its brackets: the one kept from the last check when it still equals `base`. */
  private replicaOf(base: Y.Doc): Replica {
    const kept = this.replica;
    // The copy holds only what the base holds (a refused update drops it): it catches up with
    // what the base took since (writes let through without a copy, server changes), and reads
    // its brackets again whenever it took anything.
    const caught = kept ? catchUp(kept.doc, base) : null;
    if (kept && caught !== null) {
      if (caught === "changed") kept.brackets = this.layout.read(kept.doc).brackets;
      return kept;
    }
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    this.replica = { doc, brackets: this.layout.read(doc).brackets };
    return this.replica;
  }

  private follow(base: Y.Doc): void {
    if (base === this.base) return;
    this.base?.off("afterTransaction", this.watch);
    base.on("afterTransaction", this.watch);
    this.base = base;
    this.known = null;
    this.replica = null;
  }
}

/** A copy of the base for judging writes, with its brackets. */
interface Replica {
  readonly doc: Y.Doc;
  brackets: readonly ClauseBracket[];
}

/**
 * Applies to `copy` what `base` holds beyond it: "changed" when anything was applied (its
 * brackets must be read again: text typed into a bracket changes the bracket's text, which BO2
 * compares, though no bracket was added or re-attributed), "same" when nothing was missing, null
 * when they still differ after (the copy is rebuilt).
 */
function catchUp(copy: Y.Doc, base: Y.Doc): "same" | "changed" | null {
  const target = Y.encodeStateVector(base);
  if (sameBytes(Y.encodeStateVector(copy), target)) return "same";
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(base, Y.encodeStateVector(copy)));
  } catch {
    return null;
  }
  // The catch-up carries the base's whole delete set: equal clocks mean equal states (a snapshot
  // of each would walk both documents on every checked keystroke).
  return sameBytes(Y.encodeStateVector(copy), target) ? "changed" : null;
}

/** The y-prosemirror detector, kept under its old name for its tests. */
export const bracketsMayChange = prosemirrorLayout.bracketsMayChange;

export { insertsOnlyOutsideBrackets };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
