import * as Y from "yjs";

/**
 * Yjs places an inserted item between its origin (the character left of it when it was typed)
 * and its right origin (the one right of it then), and orders concurrent insertions between
 * them (YATA) the same way whatever order they arrive in, provided the origin stands before the
 * right origin in one list. An honest editor always makes them so. A damaged update may name
 * them the other way round, the same character twice, or characters of two paragraphs: Yjs
 * integrates it all the same, scanning past the right origin to wherever its rules stop, and a
 * document that took it in arrival order then reads another text than a fresh reader of its
 * encoding (a new client's sync, a snapshot, a restart). Such an update is refused.
 */
export interface Placement {
  readonly id: Y.ID;
  readonly origin: Y.ID;
  readonly rightOrigin: Y.ID;
}

/**
 * Steps one update may spend walking lists. An honest item's origins have only concurrent
 * insertions between them, a handful; a damaged one may make Yjs scan a whole clause, and so
 * would this check, so the walk is bounded and an update that exhausts it is refused.
 */
export const MAX_PLACEMENT_STEPS = 200_000;

const within = (struct: Y.Item | Y.GC | Y.Skip, id: Y.ID): boolean =>
  struct.id.client === id.client && struct.id.clock <= id.clock && id.clock < struct.id.clock + struct.length;

const inDoc = (doc: Y.Doc, id: Y.ID): boolean => id.clock < Y.getState(doc.store, id.client);

/** Why the item is not placed between its origins in `doc` (which holds both); null when it is. */
function crossed(doc: Y.Doc, placement: Placement, budget: { steps: number }): string | null {
  const { id, origin, rightOrigin } = placement;
  const left = Y.getItem(doc.store, origin);
  const right = Y.getItem(doc.store, rightOrigin);
  // Next to a collected struct the item is collected too: it is placed nowhere.
  if (!(left instanceof Y.Item) || !(right instanceof Y.Item)) return null;
  const what = `item ${id.client}:${id.clock}`;
  if (left === right) {
    if (rightOrigin.clock > origin.clock) return null;
    return `${what} names its origins the wrong way round`;
  }
  if (left.parent !== right.parent || left.parentSub !== right.parentSub)
    return `${what} has its origins in two different lists`;
  for (let o = left.right; o !== null; o = o.right) {
    if (--budget.steps < 0) return `${what}: its origins are too far apart to check`;
    if (o === right || within(o, rightOrigin)) return null;
  }
  return `${what} has its right origin before its origin`;
}

/**
 * Before the update is applied: the placements whose two origins the document already holds
 * (nearly all: an editor's keystroke lands between characters everyone has). Returns why one is
 * crossed, or the placements left for `misplacedAfter`: those with an origin that comes in the
 * same update.
 */
export function misplacedBefore(
  doc: Y.Doc,
  placements: readonly Placement[],
): { readonly fault: string } | { readonly later: readonly Placement[] } {
  const budget = { steps: MAX_PLACEMENT_STEPS };
  const later: Placement[] = [];
  for (const placement of placements) {
    if (!inDoc(doc, placement.origin) || !inDoc(doc, placement.rightOrigin)) later.push(placement);
    else {
      const fault = crossed(doc, placement, budget);
      if (fault !== null) return { fault };
    }
  }
  return { later };
}

/**
 * After the update is applied, the placements `misplacedBefore` left (the document now holds
 * both origins). The others need no second look: an item applied between two origins in order
 * leaves them in order.
 */
export function misplacedAfter(doc: Y.Doc, later: readonly Placement[]): string | null {
  const budget = { steps: MAX_PLACEMENT_STEPS };
  for (const placement of later) {
    const fault = crossed(doc, placement, budget);
    if (fault !== null) return fault;
  }
  return null;
}
