import * as Y from "yjs";

/** Mark name of brackets in the y-prosemirror clause layout (packages/model/src/layouts). */
const BRACKET = "bracket";
/** How far the walk looks to the left of an item before it gives up (and says "inside"). */
const MAX_WALK = 64;

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
