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
 * are the brackets read before and after the write and compared (decideBracketEdit).
 *
 * The kept brackets are exact or stale only towards "more to check": a transaction that may
 * add a bracket or change whose it is (see bracketsMayChange) drops them, and they are read
 * again at the next delegate's write.
 */
export class BracketGuard {
  private base: Y.Doc | null = null;
  private known: readonly ClauseBracket[] | null = null;
  /** Transactions seen on `base`; `exact` are its brackets as read after transaction `exact.at`. */
  private transactions = 0;
  private exact: { readonly at: number; readonly brackets: readonly ClauseBracket[] } | null = null;
  private readonly watch = (transaction: Y.Transaction): void => {
    this.transactions += 1;
    if (this.known !== null && bracketsMayChange(transaction)) this.known = null;
  };

  /**
   * Applies a write from `writer` to `base` (what `apply` does) and decides it. On a refusal
   * `base` holds the refused update: the caller must discard it (the validation copy, or a
   * temporary copy of the document).
   */
  guard(writer: Actor | null, base: Y.Doc, apply: () => void): BracketRefusal | null {
    if (writer === null || writer.role !== "delegate") {
      apply();
      return null;
    }
    this.follow(base);
    this.known ??= readClause(base).brackets;
    if (!needsOwnershipCheck(writer, this.known)) {
      apply();
      return null;
    }
    const before = this.exact?.at === this.transactions ? this.exact.brackets : readClause(base).brackets;
    apply();
    const after = readClause(base).brackets;
    const decision = decideBracketEdit(writer, before, after);
    if (!decision.ok) {
      this.forget();
      return { code: "BRACKET_OWNED", reason: `${decision.error.rule}: ${decision.error.message}` };
    }
    this.known = after;
    this.exact = { at: this.transactions, brackets: after };
    return null;
  }

  private follow(base: Y.Doc): void {
    if (base === this.base) return;
    this.forget();
    base.on("afterTransaction", this.watch);
    this.base = base;
  }

  private forget(): void {
    this.base?.off("afterTransaction", this.watch);
    this.base = null;
    this.known = null;
    this.exact = null;
  }
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
