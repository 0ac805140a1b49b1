import * as Y from "yjs";

/** How far the detector looks to the left of a deleted run before it gives up (and says "changed"). */
const MAX_WALK = 64;

/**
 * Whether a transaction may have added a bracket to what the Lexical layout reads, or changed
 * the proposers, id or first run of one (see ClauseLayout.bracketsMayChange). In this layout a
 * character belongs to the text node whose header (a Y.Map) precedes it, so typing inserts only
 * strings after a header that is already read; a bracket is added or changed only by a new
 * struct that is not a string (a header, a `__state` entry, a block), or by deleting a header
 * or the whole first run after one (the next run's header then begins the bracket).
 */
export function lexicalBracketsMayChange(transaction: Y.Transaction): boolean {
  try {
    return insertsStructure(transaction) || deletesStructure(transaction);
  } catch {
    return true; // it runs inside Yjs's transaction cleanup, where a throw would fail the write
  }
}

function insertsStructure(transaction: Y.Transaction): boolean {
  const store = transaction.doc.store;
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    const structs = store.clients.get(client);
    if (after === before || !structs) continue;
    for (let i = structs.length - 1; i >= 0; i--) {
      const struct = structs[i];
      if (!struct || struct.id.clock + struct.length <= before) break;
      if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) return true;
    }
  }
  return false;
}

function deletesStructure(transaction: Y.Transaction): boolean {
  const store = transaction.doc.store;
  for (const [client, ranges] of transaction.deleteSet.clients) {
    const structs = store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
        const struct = structs[i];
        if (!struct || struct.id.clock >= clock + len) break;
        if (!(struct instanceof Y.Item)) continue;
        if (!(struct.content instanceof Y.ContentString) || followsHeader(struct)) return true;
      }
    }
  }
  return false;
}

/** Whether nothing visible but deleted characters stands between a deleted run and a text node's header. */
function followsHeader(item: Y.Item): boolean {
  let left = item.left;
  for (let steps = 0; left !== null; steps += 1, left = left.left) {
    if (steps >= MAX_WALK) return true;
    if (left.content instanceof Y.ContentString) {
      if (!left.deleted) return false;
      continue;
    }
    if (left.deleted) continue;
    return true;
  }
  return true;
}
