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
import type { ErrorCode } from "../errors.ts";
import type { UpdateAuthor, UpdateRecord } from "../store/Store.ts";
import { BracketGuard } from "./BracketGuard.ts";
import { DocumentPresence, type PresenceSubscriber } from "./DocumentPresence.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { isSettled } from "./replayLog.ts";
import { UpdateGate, type UpdateVerdict } from "./updateCheck.ts";

/** What a document needs of a connection: the core never sees a socket. */
export interface DocSubscriber extends PresenceSubscriber {
  sendUpdate(update: Uint8Array): void;
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
  /** An update is stored and applied (compaction, live figures). */
  readonly onPersisted: (host: DocumentHost, author: UpdateAuthor) => void;
  /** The in-memory copy can no longer be trusted; the registry drops it. */
  readonly onBroken: (host: DocumentHost) => void;
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
 * applied here, broadcast, or acknowledged (DESIGN.md, durability), so every state a subscriber
 * ever sees is durable.
 */
export class DocumentHost {
  readonly doc: Y.Doc;
  readonly presence: DocumentPresence;
  /** Only updates Yjs can round-trip get past it (updateCheck.ts). */
  private readonly gate: UpdateGate;
  private readonly subscribers = new Set<DocSubscriber>();
  /**
   * Validation copy: the live state plus the updates in flight to the store. Every update is
   * applied here first, so one that Yjs cannot integrate is refused before it is stored (a
   * decodable update can still throw inside Yjs). Null until the first write, and after
   * anything that may have left it inconsistent: it is then rebuilt from the live document.
   */
  private shadow: Y.Doc | null = null;
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
    this.brackets = new BracketGuard(layout);
    this.presence = new DocumentPresence(doc);
    this.gate = new UpdateGate(doc);
  }

  subscribe(subscriber: DocSubscriber): void {
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

  /** Applies a client's update if its role may write here; answers every case, never rejects. */
  async receiveUpdate(from: DocSubscriber, update: Uint8Array, checkContained: boolean): Promise<WriteOutcome> {
    try {
      return await this.writeFrom(from, update, checkContained);
    } catch (error) {
      return this.settle({ type: "failed", reason: error instanceof Error ? error.message : "unexpected error" });
    }
  }

  private async writeFrom(from: DocSubscriber, update: Uint8Array, checkContained: boolean): Promise<WriteOutcome> {
    // One decode decides whether Yjs can round-trip it (V1 only: yjs issue 687).
    const verdict = this.gate.check(update);
    if (verdict.type === "invalid") return this.settle(verdict);
    const refusal = this.refusalFor(from.actor);
    if (refusal || checkContained) {
      if (this.contains(update)) return this.settle({ type: "unchanged" });
      if (refusal) return this.settle(refusal);
    }
    if (verdict.type === "pending") return this.settle(verdict);
    // SPEC BO5, judged on the state the update lands on: the live state plus the writes in flight.
    const owned = this.brackets.refusal(from.actor, this.shadow ?? this.doc, update);
    if (owned) return this.settle({ type: "refused", ...owned });
    return this.persistAndApply(update, authorOf(from.actor), from, {}, verdict);
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
    const run = async () => {
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
      if (isEmptyUpdate(update)) return { outcome: this.settle({ type: "unchanged" }), value };
      const outcome = await this.persistAndApply(update, author, null, extras(value));
      return { outcome, value };
    };
    this.pendingServerChanges += 1;
    const result = this.serverChain.then(run, run).finally(() => {
      this.pendingServerChanges -= 1;
    });
    this.serverChain = result.catch(() => undefined);
    return result;
  }

  private async persistAndApply(
    update: Uint8Array,
    author: UpdateAuthor,
    from: DocSubscriber | null,
    extras: RecordExtras,
    verdict: UpdateVerdict = this.gate.check(update),
  ): Promise<WriteOutcome> {
    // Never store what cannot be integrated: not even a server change gets past the check.
    if (verdict.type !== "ok") return this.settle({ type: "invalid", reason: verdict.reason });
    const invalid = this.validate(update);
    if (invalid !== null) return this.settle({ type: "invalid", reason: invalid });
    this.gate.accept(verdict);
    this.inFlight += 1;
    try {
      let id: string | null;
      try {
        const { companions = [], ...own } = extras;
        // Submitted in one tick: the companions and this record share a batch.
        const stored = [...companions, { doc: this.name.name, update, author, at: Date.now(), ...own }].map((r) =>
          this.commit.submit(r),
        );
        const ids = await Promise.all(stored);
        if (ids.slice(0, -1).some((companion) => companion === null)) throw new Error("a companion record was refused");
        id = ids.at(-1) ?? null;
      } catch (error) {
        // The shadow and the gate hold an update the store does not.
        this.dropShadow();
        this.gate.clear();
        return this.settle({ type: "failed", reason: error instanceof Error ? error.message : "store append failed" });
      }
      if (id === null) {
        // The store's own lock check refused it (e.g. locked through another node).
        this.dropShadow();
        this.gate.clear();
        return this.settle({ type: "refused", code: "LOCKED", reason: "the clause is locked" });
      }
      return this.apply(update, id, author, from);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) {
        this.gate.clear();
        for (const resolve of this.settledWaiters.splice(0)) resolve();
      }
    }
  }

  private apply(update: Uint8Array, id: string, author: UpdateAuthor, from: DocSubscriber | null): WriteOutcome {
    try {
      Y.applyUpdate(this.doc, update, from);
      if (!isSettled(this.doc)) throw new Error("the update left pending structs");
    } catch {
      // Stored, accepted by the check and the validation copy, yet not applicable here: a Yjs
      // fault. This copy may be half-applied or hold pending structs: drop it; a reload from the
      // store leaves out what cannot be integrated.
      this.hooks.onBroken(this);
      for (const subscriber of [...this.subscribers]) subscriber.documentLost("the server could not apply an update");
      return this.settle({ type: "failed", reason: "update could not be applied" });
    }
    this.head = id;
    this.updatesSinceSnapshot += 1;
    for (const subscriber of this.subscribers) {
      if (subscriber !== from) subscriber.sendUpdate(update);
    }
    this.hooks.onPersisted(this, author);
    return this.settle({ type: "applied" });
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
    this.lock = { state: "locked", record };
    this.notifyAll({ type: "locked", doc: this.name.name, by: record.name, at: record.at, reason: record.reason });
  }

  /** The lock this command began was not stored: writes are accepted again. */
  abortLock(record: LockRecord): void {
    if (this.lock.state === "locking" && this.lock.record === record) this.lock = { state: "unlocked" };
  }

  /** The unlock is stored: writes are accepted again, on every connection, without reconnecting. */
  confirmUnlock(by: string, at: string, reason: string): void {
    this.lock = { state: "unlocked" };
    this.notifyAll({ type: "unlocked", doc: this.name.name, by, at, reason });
  }

  /** At load: the lock as the section index records it. */
  restoreLock(record: LockRecord | null): void {
    this.lock = record ? { state: "locked", record } : { state: "unlocked" };
  }

  private notifyAll(notice: Notice): void {
    for (const subscriber of this.subscribers) subscriber.notify(notice);
  }

  /** Null when the update integrates into the validation copy, else why it does not. */
  private validate(update: Uint8Array): string | null {
    if (this.shadow === null) {
      this.shadow = new Y.Doc({ gc: true });
      Y.applyUpdate(this.shadow, Y.encodeStateAsUpdate(this.doc));
    }
    try {
      Y.applyUpdate(this.shadow, update);
      return null;
    } catch (error) {
      this.dropShadow();
      return `Yjs cannot apply this update: ${error instanceof Error ? error.message : "unknown error"}`;
    }
  }

  private dropShadow(): void {
    this.shadow?.destroy();
    this.shadow = null;
  }

  private contains(update: Uint8Array): boolean {
    return Y.snapshotContainsUpdate(Y.snapshot(this.doc), update);
  }

  private settle(outcome: WriteOutcome): WriteOutcome {
    this.hooks.onOutcome(outcome.type);
    return outcome;
  }

  destroy(): void {
    this.dropShadow();
    this.presence.destroy();
    this.doc.destroy();
  }
}

/** An update that adds nothing and deletes nothing: no structs, empty delete set. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

export function authorOf(actor: Actor): UpdateAuthor {
  return { sub: actor.sub, name: actor.name, role: actor.role, delegation: actor.delegation };
}
