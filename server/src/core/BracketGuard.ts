import { type Actor, type ClauseBracket, decideBracketEdit, needsOwnershipCheck, readClause } from "@gavel/model";
import * as Y from "yjs";

/** A write refused for bracket ownership (SPEC BO5), answered as a lock refusal is. */
export interface BracketRefusal {
  readonly code: "BRACKET_OWNED";
  readonly reason: string;
}

/** Mark name of brackets in the clause layout (packages/model/src/clauseText.ts). */
const BRACKET = "bracket";
/** How far the change detector looks to the left of an item before it gives up (and says "changed"). */
const MAX_WALK = 64;

/**
 * Bracket ownership on the write path of one clause (SPEC BO). Off the common keystroke
 * (BO4): it keeps the brackets of the document writes land on, and a delegate whose delegation
 * holds all of them is not checked. Only when the clause holds a bracket of another delegation
 * is the write applied to a copy (the base itself is never touched) and the brackets before
 * and after it compared (decideBracketEdit).
 *
 * The kept brackets are exact or stale only towards "more to check": a transaction that may
 * add a bracket or change whose it is (see bracketsMayChange) drops them, and they are read
 * again at the next delegate's write. The copy is kept for the next check and catches up with
 * what the base took meanwhile (one delegate typing in a clause with another's bracket pays one
 * apply and one read per checked keystroke, not a copy); text typed where no bracket is skips
 * the copy altogether (insertsOnlyOutsideBrackets).
 */
export class BracketGuard {
  private base: Y.Doc | null = null;
  private known: readonly ClauseBracket[] | null = null;
  private replica: Replica | null = null;
  private readonly watch = (transaction: Y.Transaction): void => {
    if (this.known !== null && bracketsMayChange(transaction)) this.known = null;
  };

  /**
   * Whether `writer` may apply `update` to `base`, the state it will land on (the live document
   * plus the writes in flight to the store). Applies nothing to `base`; an update Yjs cannot
   * apply is left for the caller's validation to answer.
   */
  refusal(writer: Actor | null, base: Y.Doc, update: Uint8Array): BracketRefusal | null {
    if (writer === null || writer.role !== "delegate") return null;
    this.follow(base);
    this.known ??= readClause(base).brackets;
    if (!needsOwnershipCheck(writer, this.known)) return null;
    // BO2 and BO3 compare the brackets before and after: text typed where no bracket is, adding
    // none, changes none of them (the common keystroke in a bracketed clause).
    if (insertsOnlyOutsideBrackets(base, update)) return null;
    const replica = this.replicaOf(base);
    try {
      Y.applyUpdate(replica.doc, update);
    } catch {
      this.replica = null;
      return null;
    }
    const after = readClause(replica.doc).brackets;
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
    // its brackets again only if that may have changed one.
    const caught = kept ? catchUp(kept.doc, base) : null;
    if (kept && caught !== null) {
      if (caught === "changed") kept.brackets = readClause(kept.doc).brackets;
      return kept;
    }
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    this.replica = { doc, brackets: readClause(doc).brackets };
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
 * Applies to `copy` what `base` holds beyond it: "changed" when that may have changed a bracket,
 * null when they still differ after (the copy is rebuilt).
 */
function catchUp(copy: Y.Doc, base: Y.Doc): "same" | "changed" | null {
  const missing = Y.encodeStateAsUpdate(base, Y.encodeStateVector(copy));
  let changed = false;
  const watch = (transaction: Y.Transaction) => {
    if (bracketsMayChange(transaction)) changed = true;
  };
  copy.on("afterTransaction", watch);
  try {
    Y.applyUpdate(copy, missing);
  } catch {
    return null;
  } finally {
    copy.off("afterTransaction", watch);
  }
  if (!Y.equalSnapshots(Y.snapshot(copy), Y.snapshot(base))) return null;
  return changed ? "changed" : "same";
}

/**
 * Whether a transaction may have added a bracket to what readClause reads, or changed the
 * proposers, id or first run of one. Conservative, and cheap for typing: a character typed
 * after another visible character takes that character's bracket, which is already there.
 * Deleting characters can only remove brackets (the kept list then names one too many, which
 * only costs a check), unless the deleted character began a bracket's run.
 */
export function bracketsMayChange(transaction: Y.Transaction): boolean {
  try {
    return deletesBrackets(transaction) || insertsBrackets(transaction);
  } catch {
    return true; // it runs inside Yjs's transaction cleanup, where a throw would fail the write
  }
}

function deletesBrackets(transaction: Y.Transaction): boolean {
  const store = transaction.doc.store;
  for (const [client, ranges] of transaction.deleteSet.clients) {
    const structs = store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
        const struct = structs[i];
        if (!struct || struct.id.clock >= clock + len) break;
        if (touchesBrackets(struct)) return true;
      }
    }
  }
  return false;
}

function insertsBrackets(transaction: Y.Transaction): boolean {
  const store = transaction.doc.store;
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    const structs = store.clients.get(client);
    if (after === before || !structs) continue;
    // New structs of a client are the last ones of its list (they have the highest clocks).
    for (let i = structs.length - 1; i >= 0; i--) {
      const struct = structs[i];
      if (!struct || struct.id.clock + struct.length <= before) break;
      if (touchesBrackets(struct)) return true;
    }
  }
  return false;
}

function touchesBrackets(struct: Y.AbstractStruct): boolean {
  if (!(struct instanceof Y.Item)) return false;
  const content = struct.content;
  if (content instanceof Y.ContentFormat) return content.key === BRACKET;
  if (content instanceof Y.ContentString) return beginsBracketRun(struct);
  return false; // paragraphs' text are items of their own; embeds are not read as text
}

/** Whether the nearest visible thing to the item's left is a bracket mark (not a character). */
function beginsBracketRun(item: Y.Item): boolean {
  let left = item.left;
  for (let steps = 0; left !== null; steps += 1, left = left.left) {
    if (steps >= MAX_WALK) return true;
    if (left.deleted) continue;
    const content = left.content;
    if (content instanceof Y.ContentString) return false;
    if (content instanceof Y.ContentFormat && content.key === BRACKET) return content.value !== null;
  }
  return false;
}

/**
 * Whether `update` only inserts plain text at positions of `base` that no bracket covers: no
 * deletion, no mark, and each run lands exactly between the neighbours its writer saw (so no
 * concurrent insert can reorder it into a bracket). False whenever unsure; the full check follows.
 */
export function insertsOnlyOutsideBrackets(base: Y.Doc, update: Uint8Array): boolean {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return false;
  }
  if (decoded.ds.clients.size > 0) return false;
  const first = new Map<number, number>();
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString) || struct.parentSub !== null)
      return false;
    const { client, clock } = struct.id;
    if (!first.has(client)) first.set(client, clock);
    const origin = struct.origin;
    // A run of this update continues after its own previous character: same place, same bracket.
    if (origin && origin.client === client && origin.clock >= (first.get(client) ?? clock) && origin.clock < clock)
      continue;
    if (!placedOutsideBrackets(base, struct)) return false;
  }
  return true;
}

function sameId(a: Y.ID | null, b: Y.ID | null): boolean {
  return a === null || b === null ? a === b : a.client === b.client && a.clock === b.clock;
}

function placedOutsideBrackets(base: Y.Doc, item: Y.Item): boolean {
  const origin = item.origin;
  if (origin === null) {
    // At the very start of a text: before any mark, as long as its writer saw the same first item.
    const right = item.rightOrigin ? itemAt(base, item.rightOrigin) : null;
    return right !== null && right.id.clock === item.rightOrigin?.clock && right.left === null;
  }
  const left = itemAt(base, origin);
  if (left === null) return false;
  const last = left.id.clock + left.length - 1;
  const expectedRight =
    origin.clock < last ? Y.createID(origin.client, origin.clock + 1) : left.right ? left.right.id : null;
  if (!sameId(expectedRight, item.rightOrigin)) return false;
  return !insideBracket(left);
}

/** The item of `base` holding `id`, or null. */
function itemAt(base: Y.Doc, id: Y.ID): Y.Item | null {
  const structs = base.store.clients.get(id.client);
  if (!structs || id.clock >= Y.getState(base.store, id.client)) return null;
  const struct = structs[Y.findIndexSS(structs, id.clock)];
  return struct instanceof Y.Item ? struct : null;
}

/** Whether the position just after `item` is inside a bracket (unsure after MAX_WALK items: yes). */
function insideBracket(item: Y.Item): boolean {
  let at: Y.Item | null = item;
  for (let steps = 0; at !== null; steps += 1, at = at.left) {
    if (steps >= MAX_WALK) return true;
    if (at.deleted) continue;
    const content = at.content;
    if (content instanceof Y.ContentFormat && content.key === BRACKET) return content.value !== null;
  }
  return false;
}
