import { type Actor, authorize, type DocName } from "@gavel/model";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import * as Y from "yjs";
import type { ErrorCode } from "../errors.ts";
import type { UpdateAuthor } from "../store/Store.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { decodeAwareness, encodeAwareness, stampPresence } from "./presence.ts";

/** What a document needs of a connection: the core never sees a socket. */
export interface DocSubscriber {
  readonly actor: Actor;
  sendUpdate(update: Uint8Array): void;
  sendAwareness(update: Uint8Array): void;
  /** The server dropped its copy of this document; the subscriber must resynchronise. */
  documentLost(reason: string): void;
}

export type WriteOutcome =
  | { readonly type: "applied" }
  | { readonly type: "unchanged" }
  | { readonly type: "refused"; readonly code: ErrorCode; readonly reason: string }
  | { readonly type: "invalid"; readonly reason: string }
  | { readonly type: "failed"; readonly reason: string };

export interface HostHooks {
  readonly onOutcome: (outcome: WriteOutcome["type"]) => void;
  /** An update is stored and applied: the registry compacts when enough have accumulated. */
  readonly onPersisted: (host: DocumentHost) => void;
  /** The in-memory copy can no longer be trusted; the registry drops it. */
  readonly onBroken: (host: DocumentHost) => void;
}

const MAX_CLIENT_IDS_PER_SUBSCRIBER = 8;

/**
 * One loaded document: a cache of the store. Invariant: an update is in the store before it is
 * applied here, broadcast, or acknowledged (durability rule in DESIGN.md), so every state a
 * subscriber ever sees is durable.
 */
export class DocumentHost {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new Awareness(this.doc);
  private readonly subscribers = new Set<DocSubscriber>();
  private readonly clientIdsOf = new Map<DocSubscriber, Set<number>>();
  private readonly observerClientIds = new Set<number>();
  /**
   * Validation copy: the live state plus the updates in flight to the store. Every update is
   * applied here first, so one that Yjs cannot integrate is refused before it is stored (a
   * decodable update can still throw inside Yjs' integration). Null until the first write,
   * and after anything that may have left it inconsistent: it is then rebuilt from the live
   * document.
   */
  private shadow: Y.Doc | null = null;
  /** Updates applied since the last snapshot, and the store id of the last one. */
  updatesSinceSnapshot = 0;
  head: string | null = null;

  constructor(
    readonly name: DocName,
    private readonly commit: GroupCommit,
    private readonly hooks: HostHooks,
  ) {
    this.awareness.setLocalState(null);
    this.awareness.on("update", this.broadcastAwareness);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(subscriber: DocSubscriber): void {
    this.subscribers.add(subscriber);
    this.clientIdsOf.set(subscriber, new Set());
  }

  unsubscribe(subscriber: DocSubscriber): void {
    const ids = this.clientIdsOf.get(subscriber);
    this.subscribers.delete(subscriber);
    this.clientIdsOf.delete(subscriber);
    if (ids && ids.size > 0) removeAwarenessStates(this.awareness, [...ids], subscriber);
    for (const id of ids ?? []) this.observerClientIds.delete(id);
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
    try {
      // V1 only: V2 decoding of client data is unsafe (yjs issue 687).
      Y.decodeUpdate(update);
    } catch (error) {
      return this.settle({ type: "invalid", reason: error instanceof Error ? error.message : "undecodable update" });
    }
    const decision = authorize(from.actor, { type: "write", doc: this.name.kind });
    if (!decision.allowed) {
      // Decoded above, so this cannot throw on malformed input.
      if (this.contains(update)) return this.settle({ type: "unchanged" });
      const code: ErrorCode = this.name.kind === "index" ? "INDEX_READ_ONLY" : "READ_ONLY";
      return this.settle({ type: "refused", code, reason: decision.reason });
    }
    if (checkContained && this.contains(update)) return this.settle({ type: "unchanged" });
    return this.persistAndApply(update, authorOf(from.actor), from);
  }

  /**
   * Applies a change the server makes (seeding, commands): computed on a copy so that the live
   * document only ever holds stored updates.
   */
  async applyServerChange(author: UpdateAuthor, change: (doc: Y.Doc) => void): Promise<WriteOutcome> {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
    const before = Y.encodeStateVector(copy);
    change(copy);
    const update = Y.encodeStateAsUpdate(copy, before);
    copy.destroy();
    return this.persistAndApply(update, author, null);
  }

  private async persistAndApply(
    update: Uint8Array,
    author: UpdateAuthor,
    from: DocSubscriber | null,
  ): Promise<WriteOutcome> {
    const invalid = this.validate(update);
    if (invalid !== null) return this.settle({ type: "invalid", reason: invalid });
    let id: string;
    try {
      id = await this.commit.submit({ doc: this.name.name, update, author, at: Date.now() });
    } catch (error) {
      // The shadow holds an update the store does not: rebuild it from the live document.
      this.dropShadow();
      return this.settle({ type: "failed", reason: error instanceof Error ? error.message : "store append failed" });
    }
    try {
      Y.applyUpdate(this.doc, update, from);
    } catch {
      // Stored but not applicable here (the validation copy accepted it: a Yjs fault): this copy may be half-applied. Drop it; a reload
      // from the store skips what cannot be applied.
      this.hooks.onBroken(this);
      for (const subscriber of [...this.subscribers]) subscriber.documentLost("the server could not apply an update");
      return this.settle({ type: "failed", reason: "update could not be applied" });
    }
    this.head = id;
    this.updatesSinceSnapshot += 1;
    for (const subscriber of this.subscribers) {
      if (subscriber !== from) subscriber.sendUpdate(update);
    }
    this.hooks.onPersisted(this);
    return this.settle({ type: "applied" });
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

  /** Applies a stored update while loading; a bad one is skipped, never fatal. */
  replay(update: Uint8Array): boolean {
    try {
      Y.applyUpdate(this.doc, update, "store");
      return true;
    } catch {
      return false;
    }
  }

  private contains(update: Uint8Array): boolean {
    return Y.snapshotContainsUpdate(Y.snapshot(this.doc), update);
  }

  private settle(outcome: WriteOutcome): WriteOutcome {
    this.hooks.onOutcome(outcome.type);
    return outcome;
  }

  /** Applies a client's presence, stamped with its identity; throws on a malformed update. */
  receiveAwareness(from: DocSubscriber, update: Uint8Array): void {
    const owned = this.clientIdsOf.get(from);
    if (!owned) return;
    const accepted = decodeAwareness(update).filter((entry) => {
      if (owned.has(entry.clientId)) return true;
      if (owned.size >= MAX_CLIENT_IDS_PER_SUBSCRIBER || this.isOwnedByOther(entry.clientId, from)) return false;
      owned.add(entry.clientId);
      if (from.actor.role === "observer") this.observerClientIds.add(entry.clientId);
      return true;
    });
    if (accepted.length === 0) return;
    const stamped = accepted.map((entry) => stampPresence(entry, from.actor));
    applyAwarenessUpdate(this.awareness, encodeAwareness(stamped), from);
  }

  private isOwnedByOther(clientId: number, from: DocSubscriber): boolean {
    for (const [subscriber, ids] of this.clientIdsOf) {
      if (subscriber !== from && ids.has(clientId)) return true;
    }
    return false;
  }

  /** The presence a subscriber may see: observers' presence only reaches observers. */
  awarenessFor(subscriber: DocSubscriber, clientIds?: readonly number[]): Uint8Array | null {
    const ids = (clientIds ?? [...this.awareness.getStates().keys()]).filter(
      (id) => subscriber.actor.role === "observer" || !this.observerClientIds.has(id),
    );
    const known = ids.filter((id) => this.awareness.meta.has(id));
    return known.length > 0 ? encodeAwarenessUpdate(this.awareness, known) : null;
  }

  private readonly broadcastAwareness = (changes: { added: number[]; updated: number[]; removed: number[] }): void => {
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    for (const subscriber of this.subscribers) {
      const update = this.awarenessFor(subscriber, changed);
      if (update) subscriber.sendAwareness(update);
    }
  };

  destroy(): void {
    this.dropShadow();
    this.awareness.off("update", this.broadcastAwareness);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

function authorOf(actor: Actor): UpdateAuthor {
  return { sub: actor.sub, name: actor.name, role: actor.role, delegation: actor.delegation };
}
