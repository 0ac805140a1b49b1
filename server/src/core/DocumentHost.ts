import {
  type Actor,
  authorize,
  type ClauseLayout,
  type DocName,
  type LockRecord,
  prosemirrorLayout,
} from "@gavel/model";
import type { Notice } from "@gavel/protocol";
import * as Y from "yjs";
import { type ErrorCode, GavelError } from "../errors.ts";
import {
  type DocLog,
  StoreConflictError,
  type StoredUpdate,
  type UpdateAuthor,
  type UpdateRecord,
} from "../store/Store.ts";
import { BracketGuard } from "./BracketGuard.ts";
import { DocumentPresence, type PresenceSubscriber } from "./DocumentPresence.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { misplacedAfter, misplacedBefore, type Placement } from "./placement.ts";
import { isSettled, replayUpdates } from "./replayLog.ts";
import { SharedFrames } from "./SharedFrames.ts";
import { UpdateGate } from "./updateCheck.ts";

/** What a document needs of a connection: the core never sees a socket. */
export interface DocSubscriber extends PresenceSubscriber {
  /** `frames` holds the encodings other subscribers already made of the same update. */
  sendUpdate(update: Uint8Array, frames: SharedFrames): void;
  /** A notice about this document (refusals are answered separately, to the writer). */
  notify(notice: Notice): void;
  /** The server dropped its copy of this document; the subscriber must resynchronise. */
  documentLost(reason: string): void;
}

export type WriteOutcome =
  | { readonly type: "applied" }
  | { readonly type: "unchanged" }
  | { readonly type: "refused"; readonly code: ErrorCode; readonly reason: string }
  | { readonly type: "invalid"; readonly reason: string }
  /** It depends on updates the document does not have: nothing of it was stored or applied. */
  | { readonly type: "pending"; readonly reason: string }
  | { readonly type: "failed"; readonly reason: string };

export interface HostHooks {
  readonly onOutcome: (outcome: WriteOutcome["type"]) => void;
  /** Another node's stored update was applied here (lock effects, compaction, metrics). */
  readonly onFollowed?: (host: DocumentHost, entry: StoredUpdate) => void;
  /** An update is stored and applied (compaction, live figures). */
  readonly onPersisted: (host: DocumentHost, author: UpdateAuthor) => void;
  /** The in-memory copy can no longer be trusted; the registry drops it. */
  readonly onBroken: (host: DocumentHost) => void;
  /** What the store holds of this document now (a failed append may have been stored). */
  readonly readStored?: () => Promise<DocLog>;
  /** The copy took in what a failed server change may have stored (locks follow the index). */
  readonly onCaughtUp?: (host: DocumentHost) => void;
}

/**
 * What goes into the store with a server-made update, besides the update itself. `companions`
 * are records of other documents appended in the same batch, just before it (atomically: one
 * transaction, one Redis script): a new clause's text and its index entry land together or not
 * at all.
 */
export type RecordExtras = Pick<UpdateRecord, "command" | "lockEffect"> & {
  readonly companions?: readonly UpdateRecord[];
};

/** A read of the live state at client update `mark`, waiting for it to be durable. */
interface Barrier {
  readonly mark: number;
  /** With the store id of update `mark`. */
  readonly release: (id: string) => void;
  readonly fail: () => void;
}

/**
 * A clause's lock as the write path sees it. `locking`: a lock command is draining the writes
 * already accepted; every new write is refused from that moment on.
 */
type LockState =
  | { readonly state: "unlocked" }
  | { readonly state: "locking"; readonly record: LockRecord }
  | { readonly state: "locked"; readonly record: LockRecord };

/**
 * One loaded document: a cache of the store. Invariant: an update is in the store before it is
 * broadcast or acknowledged, and before anything read of a state holding it leaves the server
 * (DESIGN.md, durability), so every state a subscriber ever sees is durable.
 *
 * A client's update is integrated once: into the live document, as soon as it passes the
 * checks, while it is on its way to the store; what goes out waits until it is durable. If the
 * store fails or refuses it, or Yjs throws while integrating it, this copy holds a state the
 * store does not: it is dropped (`onBroken`), every subscriber is told to resynchronise, and
 * the next holder reloads it from the store.
 */
export class DocumentHost {
  readonly doc: Y.Doc;
  readonly presence: DocumentPresence;
  /** Only updates Yjs can round-trip get past it (updateCheck.ts). */
  private readonly gate: UpdateGate;
  private readonly subscribers = new Set<DocSubscriber>();
  /** Client updates applied to the live document, and how many of them are durable (in order). */
  private appliedSeq = 0;
  private durableSeq = 0;
  /** Reads of the live state waiting for what they saw to be durable. */
  private barriers: Barrier[] = [];
  /** Dropped: this copy may hold what the store does not; nothing read of it leaves any more. */
  private broken = false;
  /** A transaction may have changed the clause's brackets since the figures were last read. */
  private bracketsChanged = true;
  /** The whole state, encoded once for every newcomer until the document changes. */
  private wholeState: SharedFrames | null = null;
  /** Bracket ownership (SPEC BO5) of clients' writes, read through the session's clause layout. */
  private readonly brackets: BracketGuard;
  private lock: LockState = { state: "unlocked" };
  private inFlight = 0;
  private settledWaiters: (() => void)[] = [];
  /** Server changes run one at a time, each computed on the state the previous one left. */
  private serverChain: Promise<unknown> = Promise.resolve();
  /** Server changes queued or running: while there are none, the live state is the last word. */
  pendingServerChanges = 0;
  /** Updates applied since the last snapshot, and the store id of the last one. */
  updatesSinceSnapshot = 0;
  head: string | null = null;
  /**
   * Set while the registry follows this document in the store, to this copy's origin (the node
   * and a number of the copy, stamped on its records): `head` then moves only with the entries
   * the follower delivers (every entry up to it is in this copy, whoever appended it), and a
   * section index is written only on the head it was read at (conditional appends).
   */
  followedBy: string | null = null;
  /** Resolved when `head` moves (a command that conflicted waits for the newer index). */
  private headWaiters: (() => void)[] = [];
  /**
   * A server change's append failed, and the store may hold it all the same: until the copy has
   * read the document back (catchUpWithStore), it takes no snapshot and decides no other change.
   */
  private unsure = false;
  /**
   * Stored updates not yet sent, in store order, with the subscriber each came from: a batch
   * the store made durable at once goes out as one merged update per subscriber (one frame each,
   * not one per keystroke), once every writer of the batch has heard back.
   */
  private outbox: { readonly update: Uint8Array; readonly from: DocSubscriber | null }[] = [];
  /** Resolves once the outbox is sent (writers are answered after the others have it). */
  private sent: Promise<void> = Promise.resolve();
  private markSent: () => void = () => {};

  /** `doc`: the document as replayed from the store (replayLog.ts), holding nothing pending. */
  constructor(
    readonly name: DocName,
    private readonly commit: GroupCommit,
    private readonly hooks: HostHooks,
    doc: Y.Doc = new Y.Doc({ gc: true }),
    /** How the session's clause text lives in a clause document (the session's editor). */
    readonly layout: ClauseLayout = prosemirrorLayout,
  ) {
    this.doc = doc;
    // Not the "update" event: listening to it makes Yjs encode every transaction again.
    const clause = name.kind === "clause";
    this.doc.on("afterTransaction", (transaction: Y.Transaction) => {
      this.wholeState = null;
      if (clause && !this.bracketsChanged && layout.bracketsMayChange(transaction)) this.bracketsChanged = true;
    });
    this.brackets = new BracketGuard(layout);
    this.presence = new DocumentPresence(doc);
    this.gate = new UpdateGate(doc);
  }

  subscribe(subscriber: DocSubscriber): void {
    // Dropped between its acquisition and now: the subscriber goes and gets the reloaded copy.
    if (this.broken) {
      subscriber.documentLost("the document was reloaded");
      return;
    }
    this.subscribers.add(subscriber);
    this.presence.join(subscriber);
  }

  unsubscribe(subscriber: DocSubscriber): void {
    this.subscribers.delete(subscriber);
    this.presence.leave(subscriber);
  }

  get lockRecord(): LockRecord | null {
    return this.lock.state === "unlocked" ? null : this.lock.record;
  }

  /** Locked, and no lock command under way. */
  get locked(): boolean {
    return this.lock.state === "locked";
  }

  /** Applies a client's update if its role may write here; answers every case, never rejects. */
  async receiveUpdate(from: DocSubscriber, update: Uint8Array, checkContained: boolean): Promise<WriteOutcome> {
    try {
      return await this.writeFrom(from, update, checkContained);
    } catch (error) {
      return this.settle({ type: "failed", reason: error instanceof Error ? error.message : "unexpected error" });
    }
  }

  private async writeFrom(from: DocSubscriber, update: Uint8Array, checkContained: boolean): Promise<WriteOutcome> {
    if (this.broken) return this.settle({ type: "failed", reason: "the document was reloaded; resynchronise" });
    // One decode decides whether Yjs can round-trip it (V1 only: yjs issue 687).
    const verdict = this.gate.check(update);
    if (verdict.type === "invalid") return this.settle(verdict);
    const refusal = this.refusalFor(from.actor);
    if (refusal || checkContained) {
      if (this.contains(update)) {
        // The copy may hold it only on its way to the store (sent on another socket a moment
        // ago): acknowledged once that is durable, never before.
        try {
          await this.readDurable(() => undefined);
        } catch {
          return this.settle({ type: "failed", reason: "the document was reloaded; resynchronise" });
        }
        return this.settle({ type: "unchanged" });
      }
      if (refusal) return this.settle(refusal);
    }
    if (verdict.type === "pending") return this.settle(verdict);
    // Each new item typable where it lands, or fresh readers would read another text (placement.ts).
    const placed = misplacedBefore(this.doc, verdict.placements);
    if ("fault" in placed) return this.settle({ type: "invalid", reason: placed.fault });
    // SPEC BO5, judged on the state the update lands on: the live state, writes in flight included.
    const owned = this.brackets.refusal(from.actor, this.doc, update);
    if (owned) return this.settle({ type: "refused", ...owned });
    return this.applyAndPersist(update, authorOf(from.actor), from, placed.later);
  }

  /**
   * A client's update: integrated into the live document now (once), stored, and only then
   * broadcast and acknowledged. `from` is the transaction origin.
   */
  private async applyAndPersist(
    update: Uint8Array,
    author: UpdateAuthor,
    from: DocSubscriber,
    unplaced: readonly Placement[],
  ): Promise<WriteOutcome> {
    try {
      Y.applyUpdate(this.doc, update, from);
      if (!isSettled(this.doc)) throw new Error("the update left pending structs");
      // Items naming others of the same update, checked now that the copy holds them.
      const fault = misplacedAfter(this.doc, unplaced);
      if (fault !== null) throw new Error(fault);
    } catch (error) {
      // The check let through an update Yjs cannot integrate: never stored; this copy may be
      // half-applied, so it is dropped and reloaded from the store.
      this.breakCopy("the server could not apply an update");
      return this.settle({ type: "invalid", reason: `Yjs cannot apply this update: ${messageOf(error)}` });
    }
    const seq = ++this.appliedSeq;
    this.inFlight += 1;
    try {
      let id: string | null;
      try {
        id = await this.commit.submit({ doc: this.name.name, update, author, at: Date.now(), ...this.originField() });
      } catch (error) {
        this.breakCopy("an update could not be stored");
        return this.settle({ type: "failed", reason: messageOf(error) });
      }
      if (id === null) {
        // The store's own lock check refused it (e.g. locked through another node).
        this.breakCopy("an update was refused by the store");
        return this.settle({ type: "refused", code: "LOCKED", reason: "the clause is locked" });
      }
      this.markDurable(seq, id);
      return this.afterStored(update, id, author, from);
    } finally {
      this.endFlight();
    }
  }

  /** Stored: the update goes out to everyone else, and the write is acknowledged. */
  private async afterStored(
    update: Uint8Array,
    id: string,
    author: UpdateAuthor,
    from: DocSubscriber | null,
  ): Promise<WriteOutcome> {
    // Stored, so acknowledged; a dropped copy's subscribers resynchronise from the store instead.
    if (this.broken) return this.settle({ type: "applied" });
    // Followed, the head and the count since the snapshot move with the follower's deliveries.
    if (this.followedBy === null) {
      this.setHead(id);
      this.updatesSinceSnapshot += 1;
    }
    const sent = this.send(update, from);
    this.hooks.onPersisted(this, author);
    await sent;
    return this.settle({ type: "applied" });
  }

  /** Queues a stored update for every subscriber but `from`; sent once the current batch is done. */
  private send(update: Uint8Array, from: DocSubscriber | null): Promise<void> {
    this.outbox.push({ update, from });
    if (this.outbox.length === 1) {
      this.sent = new Promise((resolve) => {
        this.markSent = resolve;
      });
      // After every promise of the batch has settled (process.nextTick runs once microtasks drain).
      process.nextTick(() => this.flushOutbox());
    }
    return this.sent;
  }

  /**
   * Sends what the outbox holds: one update to everyone, merged when there are several; a writer
   * of the batch gets the others' updates merged, never its own back. Notices go out after it.
   */
  private flushOutbox(): void {
    const out = this.outbox;
    if (out.length === 0) return;
    this.outbox = [];
    this.markSent();
    // Dropped meanwhile: its subscribers resynchronise from the store.
    if (this.broken) return;
    const all = out.length === 1 ? (out[0] as (typeof out)[number]).update : Y.mergeUpdates(out.map((o) => o.update));
    const frames = new SharedFrames(all);
    const writers = new Set(out.map((o) => o.from));
    for (const subscriber of this.subscribers) {
      if (!writers.has(subscriber)) {
        subscriber.sendUpdate(all, frames);
        continue;
      }
      const others = out.filter((o) => o.from !== subscriber).map((o) => o.update);
      if (others.length === 0) continue;
      const merged = others.length === 1 ? (others[0] as Uint8Array) : Y.mergeUpdates(others);
      subscriber.sendUpdate(merged, new SharedFrames(merged));
    }
  }

  /**
   * Entries of this document the follower delivers, in store order, from every node: this
   * node's own (already applied: only the head moves) and the others' (applied once, then sent
   * to every subscriber; they are durable already).
   */
  receiveFollowed(entries: readonly StoredUpdate[]): void {
    for (const entry of entries) {
      if (this.broken) return;
      if (this.head !== null && seqOf(entry.id) <= seqOf(this.head)) continue;
      if (entry.origin !== this.followedBy) {
        try {
          Y.applyUpdate(this.doc, entry.update, FOLLOWED);
          if (!isSettled(this.doc)) throw new Error("a followed update left pending structs");
        } catch {
          this.breakCopy("the server could not apply another node's update");
          return;
        }
        void this.send(entry.update, null);
        this.hooks.onFollowed?.(this, entry);
      }
      // Every entry up to the head is in this copy, and counted: a snapshot at this head covers
      // exactly these (compaction must not believe in-flight updates covered).
      this.updatesSinceSnapshot += 1;
      this.setHead(entry.id);
    }
  }

  /**
   * This copy's own records carry its origin (node and copy): a copy reloaded after a drop does
   * not take the dropped copy's updates in flight for its own, which it never applied.
   */
  private originField(): { origin?: string } {
    return this.followedBy === null ? {} : { origin: this.followedBy };
  }

  private setHead(id: string): void {
    this.head = id;
    for (const resolve of this.headWaiters.splice(0)) resolve();
  }

  /** Resolves when `head` is no longer `from`, or after `ms` (false then). */
  private headMovedFrom(from: string | null, ms: number): Promise<boolean> {
    if (this.head !== from) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.headWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Reads the live state now, and hands the result over once every client update it holds is
   * durable; rejects if this copy is dropped first (it held something the store does not).
   */
  readDurable<T>(read: (doc: Y.Doc) => T): Promise<T> {
    if (this.broken) return Promise.reject(new GavelError("STORE_UNAVAILABLE", "the document was reloaded; retry"));
    const value = read(this.doc);
    const mark = this.appliedSeq;
    if (this.durableSeq >= mark) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      this.barriers.push({
        mark,
        release: () => resolve(value),
        fail: () => reject(new GavelError("STORE_UNAVAILABLE", "the document was reloaded; retry")),
      });
    });
  }

  /**
   * Whether the brackets may have changed since the last call (live figures re-read the clause
   * only then; typing that touches no bracket mark costs nothing).
   */
  takeBracketChange(): boolean {
    const changed = this.bracketsChanged;
    this.bracketsChanged = false;
    return changed;
  }

  /** The figures read from the brackets did not reach the index: the next look reads them again. */
  markBracketChange(): void {
    this.bracketsChanged = true;
  }

  /** Dropped from memory (unloaded, or its copy broken): nothing done to it is kept. */
  get gone(): boolean {
    return this.broken || this.doc.isDestroyed;
  }

  /**
   * The answer to a sync step 1 with `stateVector`, once durable. A newcomer (empty state vector:
   * a connect storm) gets the whole state, encoded once for all of them until the next change.
   */
  syncAnswer(stateVector: Uint8Array): Promise<SharedFrames> {
    const fresh = stateVector.length === 1 && stateVector[0] === 0;
    return this.readDurable((doc) => {
      if (!fresh) return new SharedFrames(Y.encodeStateAsUpdate(doc, stateVector));
      this.wholeState ??= new SharedFrames(Y.encodeStateAsUpdate(doc));
      return this.wholeState;
    });
  }

  /**
   * At load: the stored snapshot, when no update follows it, is the whole state as is (a cold
   * clause is answered with its bytes, never encoded again).
   */
  useStoredState(snapshot: SharedFrames): void {
    this.wholeState = snapshot;
  }

  /**
   * A state to snapshot and the id of the last update it covers, once all of it is durable
   * (compaction under load, when something is always in flight); null when none can be taken
   * now. Not while a server change is queued: one stored before the client updates in flight
   * would get an id the state does not cover.
   */
  async durableSnapshot(): Promise<{ state: Uint8Array; head: string; covered: number } | null> {
    if (this.broken || this.unsure || this.pendingServerChanges > 0 || this.head === null) return null;
    const state = Y.encodeStateAsUpdate(this.doc);
    // Followed, the head at encoding is the last entry the copy is known to hold, whoever wrote
    // it; this node's own updates still on their way may have later ids, yet other nodes' entries
    // before them may not be here yet: the snapshot claims only the head (it may hold more).
    const atEncoding = this.head;
    const mark = this.appliedSeq;
    // Followed: exactly the entries up to the head are counted; else the count plus what is in flight.
    const covered =
      this.followedBy === null ? this.updatesSinceSnapshot + (mark - this.durableSeq) : this.updatesSinceSnapshot;
    if (this.durableSeq >= mark) return { state, head: atEncoding, covered };
    const head = await new Promise<string | null>((resolve) => {
      this.barriers.push({ mark, release: resolve, fail: () => resolve(null) });
    });
    if (head === null) return null;
    return { state, head: this.followedBy === null ? head : atEncoding, covered };
  }

  /** Client update `seq` is stored as `id`; every read waiting on it is released (ids in order). */
  private markDurable(seq: number, id: string): void {
    this.durableSeq = seq;
    if (this.barriers.length === 0) return;
    const ready = this.barriers.filter((b) => b.mark <= seq);
    this.barriers = this.barriers.filter((b) => b.mark > seq);
    for (const barrier of ready) barrier.release(id);
  }

  /** This copy may hold a state the store does not: drop it; its subscribers resynchronise. */
  private breakCopy(reason: string): void {
    if (this.broken) return;
    this.broken = true;
    for (const barrier of this.barriers.splice(0)) barrier.fail();
    this.hooks.onBroken(this);
    for (const subscriber of [...this.subscribers]) subscriber.documentLost(reason);
  }

  private endFlight(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  private refusalFor(actor: Actor): WriteOutcome | null {
    const decision = authorize(actor, { type: "write", doc: this.name.kind });
    if (!decision.allowed) {
      const code: ErrorCode = this.name.kind === "index" ? "INDEX_READ_ONLY" : "READ_ONLY";
      return { type: "refused", code, reason: decision.reason };
    }
    if (this.lock.state !== "unlocked") {
      const { name, at } = this.lock.record;
      return { type: "refused", code: "LOCKED", reason: `locked by ${name} at ${at}` };
    }
    return null;
  }

  /**
   * Runs a change the server makes (seeding, commands) on a copy of the current state, then
   * stores and applies it: the live document only ever holds stored updates. Changes are
   * serialised, so `change` reads the state left by the previous one; if it throws, nothing is
   * stored and the error propagates.
   */
  applyServerChange<T>(
    author: UpdateAuthor,
    change: (doc: Y.Doc) => T,
    extras: (value: T) => RecordExtras = () => ({}),
  ): Promise<{ outcome: WriteOutcome; value: T }> {
    const attempt = async () => {
      // A change decided on a copy that may lack a stored change could undo it: read it back first.
      if (this.unsure && !(await this.catchUpWithStore(true))) {
        throw new GavelError("STORE_UNAVAILABLE", "the document could not be read back from the store; retry");
      }
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
      const before = Y.encodeStateVector(copy);
      let value: T;
      let update: Uint8Array;
      try {
        value = change(copy);
        update = Y.encodeStateAsUpdate(copy, before);
      } finally {
        copy.destroy();
      }
      if (isEmptyUpdate(update)) return { outcome: this.settle({ type: "unchanged" }) as StoreResult, value };
      const outcome = await this.persistAndApply(update, author, extras(value));
      return { outcome, value };
    };
    // A section index decided on a state another node has moved on from is refused by the
    // store: wait for the follower to bring the newer index, and decide again on it.
    const run = async (): Promise<{ outcome: WriteOutcome; value: T }> => {
      for (let tries = 1; ; tries += 1) {
        const read = this.head;
        const { outcome, value } = await attempt();
        if (outcome.type !== "conflict") return { outcome, value };
        if (tries >= MAX_CONFLICT_RETRIES || !(await this.headMovedFrom(read, CONFLICT_WAIT_MS))) {
          return {
            outcome: this.settle({ type: "failed", reason: "the section kept changing on other nodes" }),
            value,
          };
        }
      }
    };
    return this.inServerChain(run);
  }

  /** Runs `run` after the server changes queued before it; counted as one while queued or running. */
  private inServerChain<T>(run: () => Promise<T>): Promise<T> {
    this.pendingServerChanges += 1;
    const result = this.serverChain.then(run, run).finally(() => {
      this.pendingServerChanges -= 1;
    });
    this.serverChain = result.catch(() => undefined);
    return result;
  }

  /**
   * A server change, computed on a copy (so it integrates): stored, then applied and broadcast.
   * It may build on client updates in flight; those were submitted first, so it is stored only
   * if they are (a failed batch fails every record queued behind it).
   */
  private async persistAndApply(update: Uint8Array, author: UpdateAuthor, extras: RecordExtras): Promise<StoreResult> {
    // Never store what cannot be integrated: not even a server change gets past the check.
    const verdict = this.gate.check(update);
    if (verdict.type !== "ok") return this.settle({ type: "invalid", reason: verdict.reason });
    if (this.broken) return this.settle({ type: "failed", reason: "the document was reloaded" });
    this.inFlight += 1;
    try {
      let id: string | null;
      // Followed indexes are written only on the head they were read at (several nodes).
      const expected = this.name.kind === "index" && this.followedBy !== null ? this.head : undefined;
      try {
        const { companions = [], ...own } = extras;
        // One group: the companions and this record share a batch.
        const ids = await this.commit.submitGroup([
          ...companions,
          {
            doc: this.name.name,
            update,
            author,
            at: Date.now(),
            ...own,
            ...this.originField(),
            ...(expected === undefined ? {} : { expectHead: expected }),
          },
        ]);
        if (ids.slice(0, -1).some((companion) => companion === null)) throw new Error("a companion record was refused");
        id = ids.at(-1) ?? null;
      } catch (error) {
        if (error instanceof StoreConflictError) return { type: "conflict" };
        // Perhaps stored though never applied here (a Redis reply lost in an outage): the copy
        // takes in what the store holds before the next change is decided on it.
        if (this.hooks.readStored) this.unsure = true;
        // The command that failed sees the outcome itself (a lock read back holds); if the store
        // cannot be read now, the copy tries again by itself until it can.
        if (!(await this.catchUpWithStore(false))) this.retryCatchUp();
        return this.settle({ type: "failed", reason: error instanceof Error ? error.message : "store append failed" });
      }
      if (id === null) return this.settle({ type: "refused", code: "LOCKED", reason: "the clause is locked" });
      // Appended right after the head it expected: nothing lies between, so the head is its id.
      if (expected !== undefined && this.head === expected) {
        this.updatesSinceSnapshot += 1;
        this.setHead(id);
      }
      return this.apply(update, id, author);
    } finally {
      this.endFlight();
    }
  }

  /**
   * After a server change's append failed: the store may hold it all the same (its reply lost),
   * and the follower, seeing this copy's own origin, moves the head past it without applying it;
   * a snapshot at that head would then leave it out of every later load. So the copy applies
   * what the store holds beyond it, and sends that to its subscribers (Yjs applies what the copy
   * holds already as nothing). True once done; false when the store cannot be read now (the copy
   * stays unsure: no snapshot, and the next change tries again first). `tellLocks`: a lock or
   * unlock it brings in reaches the loaded clauses (when the command that stored it is over).
   */
  private async catchUpWithStore(tellLocks: boolean): Promise<boolean> {
    const read = this.hooks.readStored;
    if (!read || this.broken || this.doc.isDestroyed) return !this.broken && !this.doc.isDestroyed;
    let stored: Y.Doc;
    try {
      const log = await read();
      stored = replayUpdates(log.snapshot ? [log.snapshot, ...log.updates] : log.updates).doc;
    } catch {
      return false;
    }
    try {
      if (this.broken || this.doc.isDestroyed) return false;
      const missing = Y.encodeStateAsUpdate(stored, Y.encodeStateVector(this.doc));
      let changed = false;
      const note = (transaction: Y.Transaction) => {
        changed ||= transaction.changed.size > 0;
      };
      this.doc.on("afterTransaction", note);
      try {
        Y.applyUpdate(this.doc, missing, FOLLOWED);
      } finally {
        this.doc.off("afterTransaction", note);
      }
      if (!isSettled(this.doc)) throw new Error("the stored state left pending structs");
      this.unsure = false;
      if (changed) {
        void this.send(missing, null);
        if (tellLocks) this.hooks.onCaughtUp?.(this);
      }
      return true;
    } catch {
      this.breakCopy("the server could not apply the stored state after a failed append");
      return false;
    } finally {
      stored.destroy();
    }
  }

  /**
   * Reads the document back once a second while it is unsure, in the chain of server changes
   * (none is decided meanwhile), until it is done or the copy is dropped; locks it finds reach
   * the loaded clauses. A lost unlock heals without anyone retrying it.
   */
  private retryCatchUp(): void {
    const timer = setTimeout(() => {
      if (!this.unsure || this.broken || this.doc.isDestroyed) return;
      void this.inServerChain(async () => {
        if (this.unsure && !(await this.catchUpWithStore(true))) this.retryCatchUp();
      });
    }, CATCH_UP_RETRY_MS);
    timer.unref();
  }

  private apply(update: Uint8Array, id: string, author: UpdateAuthor): WriteOutcome | Promise<WriteOutcome> {
    if (this.broken) return this.settle({ type: "applied" });
    try {
      Y.applyUpdate(this.doc, update, null);
      if (!isSettled(this.doc)) throw new Error("the update left pending structs");
    } catch {
      // Stored, accepted by the check, yet not applicable here: a Yjs fault. This copy may be
      // half-applied or hold pending structs: drop it; a reload from the store leaves out what
      // cannot be integrated.
      this.breakCopy("the server could not apply an update");
      return this.settle({ type: "failed", reason: "update could not be applied" });
    }
    return this.afterStored(update, id, author, null);
  }

  /** Writes on their way to the store. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Resolves once every write accepted so far is stored and applied (or failed). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * From now on every write is refused (LK4); the lock command then drains and stores the lock.
   * False when the clause is already locked or being locked: only one lock command proceeds.
   */
  beginLock(record: LockRecord): boolean {
    if (this.lock.state !== "unlocked") return false;
    this.lock = { state: "locking", record };
    return true;
  }

  /** The lock is stored: tell everyone who has the clause open (LK5). */
  confirmLock(record: LockRecord): void {
    // Heard twice (read back from the store, then followed): told once.
    if (this.lock.state === "locked" && sameLock(this.lock.record, record)) return;
    this.lock = { state: "locked", record };
    this.notifyAll({ type: "locked", doc: this.name.name, by: record.name, at: record.at, reason: record.reason });
  }

  /** The lock this command began was not stored: writes are accepted again. */
  abortLock(record: LockRecord): void {
    if (this.lock.state === "locking" && this.lock.record === record) this.lock = { state: "unlocked" };
  }

  /** The unlock is stored: writes are accepted again, on every connection, without reconnecting. */
  confirmUnlock(by: string, at: string, reason: string): void {
    if (this.lock.state === "unlocked") return;
    this.lock = { state: "unlocked" };
    this.notifyAll({ type: "unlocked", doc: this.name.name, by, at, reason });
  }

  /** At load: the lock as the section index records it. */
  restoreLock(record: LockRecord | null): void {
    this.lock = record ? { state: "locked", record } : { state: "unlocked" };
  }

  private notifyAll(notice: Notice): void {
    // What was stored before the notice reaches everyone before it.
    this.flushOutbox();
    for (const subscriber of this.subscribers) subscriber.notify(notice);
  }

  private contains(update: Uint8Array): boolean {
    return Y.snapshotContainsUpdate(Y.snapshot(this.doc), update);
  }

  private settle(outcome: WriteOutcome): WriteOutcome {
    this.hooks.onOutcome(outcome.type);
    return outcome;
  }

  destroy(): void {
    this.presence.destroy();
    this.doc.destroy();
  }
}

/** The same lock decision: who, when and why. */
export function sameLock(a: LockRecord, b: LockRecord): boolean {
  return a.sub === b.sub && a.at === b.at && a.reason === b.reason;
}

/** A store write's result: a conflict is retried by applyServerChange, never answered. */
type StoreResult = WriteOutcome | { readonly type: "conflict" };

/** Transaction origin of updates another node appended (delivered by the store's follower). */
export const FOLLOWED = Symbol("followed");

const MAX_CONFLICT_RETRIES = 20;
/** How often an unsure copy tries to read its document back (the store was unreachable). */
const CATCH_UP_RETRY_MS = 1_000;
const CONFLICT_WAIT_MS = 5_000;

/** The order of a store id: SQLite's are sequence numbers, Redis' `${n}-0`. */
function seqOf(id: string): number {
  const dash = id.indexOf("-");
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/** An update that adds nothing and deletes nothing: no structs, empty delete set. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : "unknown error";
}

export function authorOf(actor: Actor): UpdateAuthor {
  return { sub: actor.sub, name: actor.name, role: actor.role, delegation: actor.delegation };
}
