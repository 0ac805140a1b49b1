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

/**
 * Whether `item` lands outside every bracket of `base`. Yjs integrates it between its origin (the
 * character its writer saw to its left) and its right origin, after or before whatever other
 * writers put between them meanwhile. When no bracket boundary (a live bracket format) lies
 * between the two, every place there has the formatting of the place after the origin: outside
 * a bracket if that one is.
 */
function placedOutsideBrackets(base: Y.Doc, item: Y.Item): boolean {
  const origin = item.origin;
  const right = item.rightOrigin ? itemAt(base, item.rightOrigin) : null;
  if (item.rightOrigin && right === null) return false;
  if (origin === null) {
    // At the very start of a text: before its first bracket boundary.
    return right !== null && noBoundaryLeftOf(right, null);
  }
  const left = itemAt(base, origin);
  if (left === null || insideBracket(left)) return false;
  // Both in one item of the base: only the very next character is a right origin Yjs places it
  // before at once. Any other (the origin itself, or one before it: no writer sends that, a
  // crafted update can) sends Yjs's conflict resolution along the text, past brackets.
  if (right === left) {
    const next = item.rightOrigin;
    return next !== null && next.client === origin.client && next.clock === origin.clock + 1;
  }
  // The rest of the origin's item (the same writer's text, typed on) lies between, then the items up to the right origin.
  return right === null ? noBoundaryRightOf(left) : noBoundaryLeftOf(right, left);
}

function isBoundary(item: Y.Item): boolean {
  return !item.deleted && item.content instanceof Y.ContentFormat && item.content.key === BRACKET;
}

/** No bracket boundary between `stop` (exclusive; null: the text's start) and `item`, in MAX_WALK items. */
function noBoundaryLeftOf(item: Y.Item, stop: Y.Item | null): boolean {
  let at = item.left;
  for (let steps = 0; at !== stop; steps += 1, at = at.left) {
    if (at === null || steps >= MAX_WALK || isBoundary(at)) return false;
  }
  return true;
}

/** No bracket boundary after `item` to the end of its text, in MAX_WALK items. */
function noBoundaryRightOf(item: Y.Item): boolean {
  let at = item.right;
  for (let steps = 0; at !== null; steps += 1, at = at.right) {
    if (steps >= MAX_WALK || isBoundary(at)) return false;
  }
  return true;
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
