import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import type { Placement } from "./placement.ts";

/**
 * Decides, before anything is stored or applied, whether a Yjs V1 update round-trips: applied to
 * a document whose state vector is `known`, it must integrate completely (no pending structs, no
 * pending delete set) and leave only ids that encode and decode again. A pending struct stays
 * invisible in the document's text yet travels in its encoding, and an id above 2^53 makes that
 * encoding unreadable ("Integer out of Range"): either one lets one update break a clause for
 * every later reader. Nothing here mutates a document, and the update is decoded once.
 */

/**
 * Yjs makes 32-bit client ids (`random.uint32`); a larger one was not made by Yjs, and one above
 * 2^53 does not even survive an encoding. Bounding ids to what Yjs makes costs no honest client.
 */
export function isYjsClientId(client: number): boolean {
  return Number.isInteger(client) && client >= 0 && client <= 0xffff_ffff;
}

export type UpdateVerdict =
  /**
   * `state`: the clock of every client the update advances, once it is applied. `placements`:
   * its new list items, whose places the write path checks (placement.ts).
   */
  | { readonly type: "ok"; readonly state: ReadonlyMap<number, number>; readonly placements: readonly Placement[] }
  /** It depends on structs the document does not have (yet). */
  | { readonly type: "pending"; readonly reason: string }
  | { readonly type: "invalid"; readonly reason: string };

/** The document's clock of a client: `Y.getState(doc.store, client)`, plus any overlay. */
export type KnownClock = (client: number) => number;

/** One struct as integration sees it. */
interface Ref {
  readonly client: number;
  readonly clock: number;
  readonly length: number;
  readonly skip: boolean;
  /** origin, right origin, parent: in the order Yjs's `Item.getMissing` looks at them. */
  readonly deps: readonly Y.ID[];
}

type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

class Invalid extends Error {}

export function checkUpdate(update: Uint8Array, known: KnownClock): UpdateVerdict {
  let decoded: DecodedUpdate;
  try {
    // V1 only: V2 decoding of client data is unsafe (yjs issue 687).
    decoded = Y.decodeUpdate(update);
  } catch (error) {
    return { type: "invalid", reason: `undecodable update: ${error instanceof Error ? error.message : "unknown"}` };
  }
  try {
    const sections = decoding.readVarUint(decoding.createDecoder(update));
    const refs = refsByClient(decoded.structs, sections);
    checkDeletes(decoded.ds);
    const state = new Map<number, number>();
    const clockOf = (client: number) => state.get(client) ?? known(client);
    const integration = integrate(refs, clockOf, (client, clock) => state.set(client, clock));
    if (integration !== null) return { type: "pending", reason: integration };
    const ds = pendingDeletes(decoded.ds, clockOf);
    if (ds !== null) return { type: "pending", reason: ds };
    return { type: "ok", state, placements: placementsOf(decoded.structs, known) };
  } catch (error) {
    if (error instanceof Invalid) return { type: "invalid", reason: error.message };
    throw error;
  }
}

/** The list items the document does not hold yet, with what they name (placement.ts). */
function placementsOf(structs: DecodedUpdate["structs"], known: KnownClock): Placement[] {
  const placements: Placement[] = [];
  for (const struct of structs) {
    if (!(struct instanceof Y.Item) || struct.parentSub !== null) continue;
    const held = known(struct.id.client);
    if (struct.id.clock + struct.length <= held) continue;
    if (struct.id.clock < held) {
      // Re-sent from a clock the document holds: Yjs integrates only the rest, after the
      // writer's own last character, whatever origin the struct names (Item.integrate's offset).
      const id = Y.createID(struct.id.client, held);
      placements.push({
        id,
        origin: Y.createID(struct.id.client, held - 1),
        rightOrigin: struct.rightOrigin,
        parent: null,
        resent: true,
      });
      continue;
    }
    const { origin, rightOrigin } = struct;
    // With neither origin, the item names its list by its parent: a root type or an item.
    const byParent = origin === null && rightOrigin === null;
    const parent =
      byParent && (typeof struct.parent === "string" || struct.parent instanceof Y.ID) ? struct.parent : null;
    placements.push({ id: struct.id, origin, rightOrigin, parent });
  }
  return placements;
}

function checkClient(client: number): void {
  if (!isYjsClientId(client)) throw new Invalid(`client id ${client} is not a 32-bit id as Yjs makes them`);
}

function checkClock(clock: number, length: number): void {
  if (!Number.isSafeInteger(clock) || !Number.isSafeInteger(length) || !Number.isSafeInteger(clock + length))
    throw new Invalid(`clock ${clock} + ${length} is not a safe integer`);
}

function checkId(id: Y.ID): Y.ID {
  checkClient(id.client);
  checkClock(id.clock, 0);
  return id;
}

function refOf(struct: Y.Item | Y.GC | Y.Skip): Ref {
  const { client, clock } = struct.id;
  checkClient(client);
  checkClock(clock, struct.length);
  // Yjs never makes an empty struct; one would share its clock with the next struct.
  if (struct.length <= 0) throw new Invalid(`empty struct at ${client}:${clock}`);
  const deps: Y.ID[] = [];
  if (struct instanceof Y.Item) {
    if (struct.origin) deps.push(checkId(struct.origin));
    if (struct.rightOrigin) deps.push(checkId(struct.rightOrigin));
    if (struct.parent instanceof Y.ID) deps.push(checkId(struct.parent));
  }
  return { client, clock, length: struct.length, skip: struct instanceof Y.Skip, deps };
}

/**
 * The structs per client, as `readClientsStructRefs` reads them. `decodeUpdate` flattens the
 * update's per-client sections; Yjs keeps only the last section of a client that appears twice
 * (and an empty section erases an earlier one), so such an update integrates differently from
 * its flat list. Yjs never writes one: it is refused. Within a section clocks are contiguous, so
 * the sections are the runs of one client with contiguous clocks; there must be as many runs as
 * the update declares sections, each of another client.
 */
function refsByClient(structs: readonly (Y.Item | Y.GC | Y.Skip)[], sections: number): Map<number, Ref[]> {
  const byClient = new Map<number, Ref[]>();
  let run: Ref[] | null = null;
  let runs = 0;
  for (const struct of structs) {
    const ref = refOf(struct);
    const last = run?.at(-1);
    if (run === null || last === undefined || last.client !== ref.client || last.clock + last.length !== ref.clock) {
      if (byClient.has(ref.client)) throw new Invalid(`client ${ref.client} appears in two sections`);
      run = [];
      byClient.set(ref.client, run);
      runs += 1;
    }
    run.push(ref);
  }
  if (runs !== sections) throw new Invalid(`the update declares ${sections} sections but holds ${runs}`);
  return byClient;
}

/** Why the first struct cannot integrate, by `Item.getMissing`'s rules; null when it can. */
function missingOf(ref: Ref, clockOf: KnownClock): number | null {
  for (const dep of ref.deps) {
    if (dep.client !== ref.client && dep.clock >= clockOf(dep.client)) return dep.client;
  }
  return null;
}

/**
 * A port of Yjs's `integrateStructs` (13.6) on clocks alone: the same order, the same stack, the
 * same dead ends. Returns null when every struct integrates, else why it would stay pending.
 * Throws Invalid where Yjs would throw mid-transaction (a reference to its own client's future).
 */
function integrate(
  refs: Map<number, Ref[]>,
  clockOf: KnownClock,
  advance: (client: number, clock: number) => void,
): string | null {
  const cursors = new Map([...refs].map(([client, list]) => [client, { i: 0, refs: list }]));
  const ids = [...refs.keys()].sort((a, b) => a - b);
  const nextTarget = () => {
    for (let id = ids.at(-1); id !== undefined; id = ids.at(-1)) {
      const target = cursors.get(id);
      if (target && target.i < target.refs.length) return target;
      ids.pop();
    }
    return null;
  };
  let current = nextTarget();
  let head = current ? current.refs[current.i++] : undefined;
  const stack: Ref[] = [];
  while (head !== undefined) {
    if (!head.skip) {
      const offset = clockOf(head.client) - head.clock;
      if (offset < 0) return `struct ${head.client}:${head.clock} follows clocks the document does not have`;
      const missing = missingOf(head, clockOf);
      if (missing !== null) {
        stack.push(head);
        const target = cursors.get(missing);
        if (!target || target.i === target.refs.length)
          return `struct ${head.client}:${head.clock} depends on client ${missing}, which the document lacks`;
        head = target.refs[target.i++];
        continue;
      }
      for (const dep of head.deps) {
        if (dep.client === head.client && dep.clock >= clockOf(head.client))
          throw new Invalid(`struct ${head.client}:${head.clock} refers to its own client's future`);
      }
      if (offset < head.length) advance(head.client, head.clock + head.length);
    }
    if (stack.length > 0) head = stack.pop();
    else if (current && current.i < current.refs.length) head = current.refs[current.i++];
    else {
      current = nextTarget();
      head = current ? current.refs[current.i++] : undefined;
    }
  }
  return null;
}

/** Every id is checked before integration is simulated: Yjs may throw on one, pending or not. */
function checkDeletes(ds: DecodedUpdate["ds"]): void {
  for (const [client, items] of ds.clients) {
    checkClient(client);
    for (const { clock, len } of items) {
      checkClock(clock, len);
      // Yjs never makes one, and cannot keep one pending (its V2 encoder throws on it).
      if (len <= 0) throw new Invalid(`empty delete range at ${client}:${clock}`);
    }
  }
}

/** `readAndApplyDeleteSet` keeps every range that does not lie within what the document has. */
function pendingDeletes(ds: DecodedUpdate["ds"], clockOf: KnownClock): string | null {
  for (const [client, items] of ds.clients) {
    for (const { clock, len } of items) {
      const state = clockOf(client);
      if (clock >= state || clock + len > state) return `deletes ${client}:${clock}+${len}, beyond the document`;
    }
  }
  return null;
}

/**
 * The write path's view of one document: its state plus the updates accepted and on their way
 * to the store, which the document holds by the time any later update is applied (appends
 * resolve in submission order, and a failed append fails every record queued behind it).
 */
export class UpdateGate {
  private readonly ahead = new Map<number, number>();

  constructor(private readonly doc: Y.Doc) {}

  check(update: Uint8Array): UpdateVerdict {
    return checkUpdate(update, (client) => Math.max(Y.getState(this.doc.store, client), this.ahead.get(client) ?? 0));
  }

  /** The update is on its way to the store: later ones may build on it. */
  accept(verdict: Extract<UpdateVerdict, { type: "ok" }>): void {
    for (const [client, clock] of verdict.state) {
      if (clock > (this.ahead.get(client) ?? 0)) this.ahead.set(client, clock);
    }
  }

  /** Nothing is on its way any more: every accepted update is applied, or failed. */
  clear(): void {
    this.ahead.clear();
  }
}
