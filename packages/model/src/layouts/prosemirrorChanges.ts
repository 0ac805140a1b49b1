import * as Y from "yjs";

/** Mark name of brackets in the y-prosemirror layout (clauseText.ts). */
const BRACKET = "bracket";
/** How far the change detector looks to the left of an item before it gives up (and says "changed"). */
const MAX_WALK = 64;

/**
 * Whether a transaction may have added a bracket to what readClause reads, or changed the
 * proposers, id or first run of one. Conservative, and cheap for typing: a character typed
 * after another visible character takes that character's bracket, which is already there.
 * Deleting characters can only remove brackets (the kept list then names one too many, which
 * only costs a check), unless the deleted character began a bracket's run.
 */
export function prosemirrorBracketsMayChange(transaction: Y.Transaction): boolean {
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
