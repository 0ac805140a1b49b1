import * as Y from "yjs";

/*
 * y-prosemirror (here @tiptap/y-tiptap) writes every local change of a paragraph as
 * `ytext.applyDelta([{ retain, attributes }, ...])` over all of its runs, whatever changed. Yjs's
 * formatText compares attribute values shallowly, so a bracket's `{ id, by: [...], ... }` never
 * equals itself: every keystroke anywhere in the paragraph deletes and re-creates the format
 * markers around every bracket, from that page's view of them. Two delegates typing in one
 * paragraph, one of them in a bracket (an alternative typed over its placeholder), then race on
 * those markers, and the merge can move a bracket's end: the bracket grows over the other's text,
 * or letters typed into it fall out of it.
 *
 * This narrows each such delta to the ranges whose attributes really change (compared by value).
 * The content is the same; only markers that had to change are rewritten, so a page typing
 * elsewhere leaves everyone's brackets alone. It applies to the documents registered here only.
 */

type Attributes = Record<string, unknown>;
interface DeltaOp {
  insert?: unknown;
  retain?: number;
  delete?: number;
  attributes?: Attributes;
}

const docs = new WeakSet<Y.Doc>();
let installed = false;

export function minimalFormattingFor(doc: Y.Doc): void {
  docs.add(doc);
  if (installed) return;
  installed = true;
  const original = Y.Text.prototype.applyDelta;
  Y.Text.prototype.applyDelta = function applyDelta(this: Y.Text, delta: DeltaOp[], options?: { sanitize?: boolean }) {
    const narrowed = this.doc && docs.has(this.doc) ? narrowDelta(this, delta) : delta;
    return original.call(this, narrowed, options);
  };
}

/** Equal as JSON values: what a format attribute is (objects, arrays, strings, numbers, null). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  const ka = Object.keys(a as Attributes);
  const kb = Object.keys(b as Attributes);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b as Attributes, k) && sameValue((a as Attributes)[k], (b as Attributes)[k]));
}

/** The text's runs: length and the attributes in force, as Yjs counts positions. */
function runsOf(text: Y.Text): { length: number; attributes: Map<string, unknown> }[] {
  const runs: { length: number; attributes: Map<string, unknown> }[] = [];
  const current = new Map<string, unknown>();
  for (let item = text._start; item !== null; item = item.right) {
    if (item.deleted) continue;
    if (item.content instanceof Y.ContentFormat) {
      const { key, value } = item.content;
      if (value === null) current.delete(key);
      else current.set(key, value);
    } else if (item.countable) {
      runs.push({ length: item.length, attributes: new Map(current) });
    }
  }
  return runs;
}

/**
 * A delta of retains only (y-prosemirror's formatting pass) becomes retains that format only
 * where some wanted attribute differs from the one in force. Any other delta is left as it is.
 */
export function narrowDelta(text: Y.Text, delta: DeltaOp[]): DeltaOp[] {
  if (!delta.every((op) => typeof op.retain === "number" && op.insert === undefined && op.delete === undefined)) {
    return delta;
  }
  const runs = runsOf(text);
  const out: DeltaOp[] = [];
  const push = (length: number, attributes: Attributes | null) => {
    if (length <= 0) return;
    const last = out.at(-1);
    if (
      last?.retain !== undefined &&
      (attributes === null ? last.attributes === undefined : last.attributes === attributes)
    ) {
      last.retain += length;
      return;
    }
    out.push(attributes === null ? { retain: length } : { retain: length, attributes });
  };
  let run = 0;
  let usedOfRun = 0;
  for (const op of delta) {
    let left = op.retain ?? 0;
    const wanted = op.attributes ?? {};
    while (left > 0) {
      const current = runs[run];
      if (!current) {
        // Past the end of the text: let Yjs handle it as it would have.
        push(left, wanted);
        break;
      }
      const take = Math.min(left, current.length - usedOfRun);
      const differs = Object.entries(wanted).some(
        ([key, value]) => !sameValue(current.attributes.get(key) ?? null, value ?? null),
      );
      push(take, differs ? wanted : null);
      left -= take;
      usedOfRun += take;
      if (usedOfRun === current.length) {
        run += 1;
        usedOfRun = 0;
      }
    }
  }
  // Formatting that changes nothing: a trailing plain retain is no operation.
  while (out.length > 0 && out.at(-1)?.attributes === undefined) out.pop();
  return out;
}
