import * as Y from "yjs";

/**
 * Yjs places an inserted item between its origin (the character left of it when it was typed)
 * and its right origin (the one right of it then), and orders concurrent insertions between
 * them (YATA) the same way whatever order they arrive in, provided every item was typed as an
 * editor types: its two origins were neighbours in what its writer had. Whatever stands between
 * them now arrived after, from writers it had not heard of. A damaged or crafted update may name
 * origins no writer could have had as neighbours: the same character twice, crossed, two
 * paragraphs, or two characters with one between them that its writer had (it knew a later one
 * of that writer, or something that builds on it). Yjs integrates it all the same, and a
 * document that took it in arrival order then reads another text than a fresh reader of its
 * encoding (a new client's sync, a snapshot, a restart). Such an update is refused.
 *
 * What a writer had is at least the causal past of what the item names: its own earlier items,
 * its origins, and everything those build on (each client's items up to a clock come together,
 * and each item with its origins and parent). An item between the origins that lies in that past
 * proves the item was not typed where it claims.
 */
export interface Placement {
  readonly id: Y.ID;
  readonly origin: Y.ID | null;
  readonly rightOrigin: Y.ID | null;
  /** Given only when neither origin is: the root type's name or the parent item's id. */
  readonly parent: Y.ID | string | null;
  /**
   * Re-sent from a clock the document holds: Yjs integrates the rest after the writer's last
   * character (`origin`), and fails outright when that character was collected.
   */
  readonly resent?: boolean;
}

/**
 * Steps one update may spend walking lists and its items' pasts. An honest keystroke lands
 * between neighbours and costs none; a concurrent one reads the past of its writer that arrived
 * since the text between its origins (Arrivals: the last few edits; the clause's whole history
 * when that text was loaded with the clause). An update that exhausts it is refused.
 */
export const MAX_PLACEMENT_STEPS = 200_000;

type Budget = { steps: number };

class OutOfSteps extends Error {}

function step(budget: Budget): void {
  if (--budget.steps < 0) throw new OutOfSteps();
}

const inDoc = (doc: Y.Doc, id: Y.ID): boolean => id.clock < Y.getState(doc.store, id.client);

/** The first item of the list the placement lands in; undefined when Yjs would collect the item. */
function listStart(doc: Y.Doc, placement: Placement, right: Y.Item | null): Y.Item | null | undefined {
  if (right !== null) return right.parentSub === null ? (right.parent as Y.AbstractType<unknown>)._start : undefined;
  const { parent } = placement;
  if (typeof parent === "string") return doc.share.get(parent)?._start ?? null;
  if (parent === null) return undefined;
  const item = Y.getItem(doc.store, parent);
  return item instanceof Y.Item && item.content instanceof Y.ContentType ? item.content.type._start : undefined;
}

/** Clocks `from` (inclusive) to `to` (exclusive) of one client: characters in one run. */
interface Span {
  readonly client: number;
  readonly from: number;
  readonly to: number;
}

/**
 * What stands between the two origins now, in list order (the rest of the origin's run, whole
 * runs, the start of the right origin's run); a string when the right origin is not after the
 * origin in one list; undefined when Yjs would collect the item or it is not in a list.
 */
function between(doc: Y.Doc, placement: Placement, budget: Budget): Span[] | string | undefined {
  const { id, origin, rightOrigin } = placement;
  const left = origin ? Y.getItem(doc.store, origin) : null;
  const right = rightOrigin ? Y.getItem(doc.store, rightOrigin) : null;
  const what = `item ${id.client}:${id.clock}`;
  if (placement.resent && !(left instanceof Y.Item)) return `${what} is re-sent after a collected character`;
  // Next to a collected struct the item is collected too: it is placed nowhere.
  if (!(left === null || left instanceof Y.Item) || !(right === null || right instanceof Y.Item)) return undefined;
  const spans: Span[] = [];
  const add = (client: number, from: number, to: number) => {
    if (from < to) spans.push({ client, from, to });
  };
  if (left !== null && right !== null && (left.parent !== right.parent || left.parentSub !== right.parentSub))
    return `${what} has its origins in two different lists`;
  if (left !== null && left === right && origin !== null && rightOrigin !== null) {
    if (rightOrigin.clock <= origin.clock) return `${what} names its origins the wrong way round`;
    add(left.id.client, origin.clock + 1, rightOrigin.clock);
    return spans;
  }
  // Map entries are ordered by Yjs's own rules for keys: not a list.
  if ((left ?? right)?.parentSub) return undefined;
  if (left !== null && origin !== null) add(left.id.client, origin.clock + 1, left.id.clock + left.length);
  const start = left !== null ? left.right : listStart(doc, placement, right);
  if (start === undefined) return undefined;
  for (let o: Y.Item | null = start; o !== null; o = o.right) {
    step(budget);
    if (o === right) {
      if (rightOrigin !== null) add(o.id.client, o.id.clock, rightOrigin.clock);
      return spans;
    }
    add(o.id.client, o.id.clock, o.id.clock + o.length);
  }
  return right === null ? spans : `${what} has its right origin before its origin`;
}

/**
 * When each client's structs arrived in one document, as a sequence of its transactions: per
 * client, the clock at which each transaction's structs start and the transaction's number.
 * Structs the document held before it was first checked count as arrived at 0, together.
 *
 * What lets `inPast` walk only recent history: an item depends only on what the document held
 * when it arrived, so nothing that arrived before the items between an item's origins can
 * depend on them, and a client's structs arrive in clock order (a suffix of its structs came at
 * or after any given transaction).
 */
class Arrivals {
  private seq = 0;
  private entries = 0;
  private readonly starts = new Map<number, { readonly clocks: number[]; readonly seqs: number[] }>();

  constructor(doc: Y.Doc) {
    doc.on("afterTransaction", (transaction: Y.Transaction) => this.record(transaction));
  }

  private record(transaction: Y.Transaction): void {
    const seq = ++this.seq;
    // Bounded: past MAX_ARRIVALS runs everything held so far counts as arrived together, as
    // before the first check (all of it, at once: a part forgotten alone would hide what arrived
    // after another client's older span).
    if (this.entries >= MAX_ARRIVALS) this.forget();
    for (const [client, after] of transaction.afterState) {
      const before = transaction.beforeState.get(client) ?? 0;
      if (after <= before) continue;
      let runs = this.starts.get(client);
      if (runs === undefined) {
        runs = before > 0 ? { clocks: [0], seqs: [0] } : { clocks: [], seqs: [] };
        this.starts.set(client, runs);
      }
      runs.clocks.push(before);
      runs.seqs.push(seq);
      this.entries += 1;
    }
  }

  /** From now on, everything the document holds counts as arrived together, as before the first check. */
  forget(): void {
    this.starts.clear();
    this.entries = 0;
  }

  /** The transaction that brought `client`'s struct at `clock` (0: held before checking began). */
  arrival(client: number, clock: number): number {
    const runs = this.starts.get(client);
    if (runs === undefined) return 0;
    // The last run starting at or before the clock.
    const after = firstIndex(runs.clocks, (start) => start > clock);
    return after === 0 ? 0 : (runs.seqs[after - 1] as number);
  }

  /** The first clock of `client` whose struct arrived at or after transaction `seq` (Infinity: none). */
  firstFrom(client: number, seq: number): number {
    if (seq <= 0) return 0;
    const runs = this.starts.get(client);
    if (runs === undefined) return Number.POSITIVE_INFINITY;
    const at = firstIndex(runs.seqs, (s) => s >= seq);
    return at === runs.clocks.length ? Number.POSITIVE_INFINITY : (runs.clocks[at] as number);
  }
}

/** The first index of an ascending array whose value passes `past` (its length when none does). */
function firstIndex(values: readonly number[], past: (value: number) => boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(values[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Runs an `Arrivals` keeps (two numbers each) before it forgets them all. */
export const MAX_ARRIVALS = 100_000;

const arrivalsOf = new WeakMap<Y.Doc, Arrivals>();

function arrivals(doc: Y.Doc): Arrivals {
  let found = arrivalsOf.get(doc);
  if (found === undefined) {
    found = new Arrivals(doc);
    arrivalsOf.set(doc, found);
  }
  return found;
}

/** What a document's check does on its own past MAX_ARRIVALS runs (tests). */
export function forgetArrivals(doc: Y.Doc): void {
  arrivals(doc).forget();
}

/**
 * Whether one of `spans` lies in the causal past of what the placement names: a fixpoint over
 * clocks, client by client, stopped as soon as one does. Only structs that arrived with or
 * after the earliest span are walked: older ones cannot build on any span (Arrivals).
 */
function inPast(doc: Y.Doc, placement: Placement, spans: readonly Span[], budget: Budget): boolean {
  const history = arrivals(doc);
  // A loop, not Math.min(...): an item far from its origins may have 100,000 spans between them.
  let since = Number.POSITIVE_INFINITY;
  for (const span of spans) since = Math.min(since, history.arrival(span.client, span.from));
  const need = new Map<number, number>();
  const done = new Map<number, number>();
  const queue: number[] = [];
  const raise = (client: number, clock: number) => {
    if (clock <= (need.get(client) ?? 0)) return;
    need.set(client, clock);
    queue.push(client);
  };
  const hit = () => spans.some((span) => span.from < (need.get(span.client) ?? 0));
  raise(placement.id.client, placement.id.clock);
  if (placement.origin) raise(placement.origin.client, placement.origin.clock + 1);
  if (placement.rightOrigin) raise(placement.rightOrigin.client, placement.rightOrigin.clock + 1);
  for (let client = queue.pop(); client !== undefined; client = queue.pop()) {
    if (hit()) return true;
    const structs = doc.store.clients.get(client);
    const upTo = Math.min(need.get(client) ?? 0, Y.getState(doc.store, client));
    let clock = Math.max(done.get(client) ?? 0, history.firstFrom(client, since));
    if (!structs || clock >= upTo) continue;
    done.set(client, upTo);
    for (let i = Y.findIndexSS(structs, clock); i < structs.length && clock < upTo; i++) {
      step(budget);
      const struct = structs[i] as Y.Item | Y.GC;
      clock = struct.id.clock + struct.length;
      if (!(struct instanceof Y.Item)) continue;
      if (struct.origin) raise(struct.origin.client, struct.origin.clock + 1);
      if (struct.rightOrigin) raise(struct.rightOrigin.client, struct.rightOrigin.clock + 1);
      const parentItem = (struct.parent as Y.AbstractType<unknown> | null)?._item;
      if (parentItem) raise(parentItem.id.client, parentItem.id.clock + 1);
    }
  }
  return hit();
}

/** Why the item was not typed where it lands in `doc` (which holds what it names); null when it was. */
function misplaced(doc: Y.Doc, placement: Placement, budget: Budget): string | null {
  const spans = between(doc, placement, budget);
  if (typeof spans === "string") return spans;
  if (spans === undefined || spans.length === 0 || !inPast(doc, placement, spans, budget)) return null;
  const { client, clock } = placement.id;
  return `item ${client}:${clock} skips characters its writer had between its origins`;
}

function checked(doc: Y.Doc, placements: readonly Placement[], steps: number): string | null {
  const budget = { steps };
  try {
    for (const placement of placements) {
      const fault = misplaced(doc, placement, budget);
      if (fault !== null) return fault;
    }
  } catch (error) {
    if (error instanceof OutOfSteps) return "the update's items are too far from their origins to check";
    throw error;
  }
  return null;
}

/** Whether the document holds everything the placement names, so it can be judged before applying. */
function judgeable(doc: Y.Doc, placement: Placement): boolean {
  const { origin, rightOrigin, parent } = placement;
  if (origin && !inDoc(doc, origin)) return false;
  if (rightOrigin && !inDoc(doc, rightOrigin)) return false;
  return !(parent !== null && typeof parent !== "string" && !inDoc(doc, parent));
}

/**
 * Before the update is applied: the placements whose origins (or parent) the document already
 * holds (nearly all: an editor's keystroke lands between characters everyone has). Returns why
 * one is misplaced, or the placements left for `misplacedAfter`: those naming something that
 * comes in the same update.
 */
export function misplacedBefore(
  doc: Y.Doc,
  placements: readonly Placement[],
  steps: number = MAX_PLACEMENT_STEPS,
): { readonly fault: string } | { readonly later: readonly Placement[] } {
  arrivals(doc); // from the first check on, what arrives is numbered
  const now: Placement[] = [];
  const later: Placement[] = [];
  for (const placement of placements) {
    if (!judgeable(doc, placement)) later.push(placement);
    else {
      now.push(placement);
      // Its writer's earlier items in the same update are part of what it had: judged again
      // once they are in.
      if (placement.id.clock > Y.getState(doc.store, placement.id.client)) later.push(placement);
    }
  }
  const fault = checked(doc, now, steps);
  return fault === null ? { later } : { fault };
}

/**
 * After the update is applied, the placements `misplacedBefore` left (the document now holds
 * what they name). Items of the same update standing between an item's origins are later than
 * it or of other writers, so they count as concurrent unless its past holds them.
 */
export function misplacedAfter(
  doc: Y.Doc,
  later: readonly Placement[],
  steps: number = MAX_PLACEMENT_STEPS,
): string | null {
  return checked(doc, later, steps);
}
