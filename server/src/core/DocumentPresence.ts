import type { Actor } from "@gavel/model";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import type * as Y from "yjs";
import type { PresenceChannel, PresenceEntry, PresenceMessage } from "../store/PresenceBus.ts";
import { type AwarenessEntry, decodeAwareness, encodeAwareness, stampPresence } from "./presence.ts";
import { SharedFrames } from "./SharedFrames.ts";

/** What presence needs of a connection. */
export interface PresenceSubscriber {
  readonly actor: Actor;
  /** `frames` holds the encodings other subscribers already made of the same update. */
  sendAwareness(update: Uint8Array, frames: SharedFrames): void;
}

const MAX_CLIENT_IDS_PER_SUBSCRIBER = 8;
/** Transaction origin of presence relayed from other nodes. */
const REMOTE = Symbol("remote presence");

/**
 * The awareness of one document, relayed with identities stamped by the server. Invariants: a
 * client id belongs to at most one subscriber; observers' presence reaches only observers.
 * With a channel to the other nodes (relayThrough), this node's subscribers' presence goes out
 * to them, stamped, and theirs comes in; a relayed state no node renews is dropped by the
 * awareness timeout like any other.
 */
export class DocumentPresence {
  private readonly awareness: Awareness;
  private readonly clientIdsOf = new Map<PresenceSubscriber, Set<number>>();
  private readonly observerClientIds = new Set<number>();
  private channel: PresenceChannel | null = null;

  constructor(doc: Y.Doc) {
    this.awareness = new Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on("update", this.broadcast);
  }

  join(subscriber: PresenceSubscriber): void {
    this.clientIdsOf.set(subscriber, new Set());
  }

  leave(subscriber: PresenceSubscriber): void {
    const ids = this.clientIdsOf.get(subscriber);
    if (ids && ids.size > 0) removeAwarenessStates(this.awareness, [...ids], subscriber);
    this.clientIdsOf.delete(subscriber);
    for (const id of ids ?? []) this.observerClientIds.delete(id);
  }

  /** Applies a subscriber's presence, stamped with its identity; throws on a malformed update. */
  receive(from: PresenceSubscriber, update: Uint8Array): void {
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

  private isOwnedByOther(clientId: number, from: PresenceSubscriber): boolean {
    for (const [subscriber, ids] of this.clientIdsOf) {
      if (subscriber !== from && ids.has(clientId)) return true;
    }
    return false;
  }

  /** Every current state by client id (all roles: for the server's own use). */
  states(): ReadonlyMap<number, Record<string, unknown>> {
    return this.awareness.getStates();
  }

  /** The presence a subscriber may see, as one awareness update; null when there is none. */
  visibleTo(subscriber: PresenceSubscriber, clientIds?: readonly number[]): Uint8Array | null {
    const ids = (clientIds ?? [...this.awareness.getStates().keys()]).filter(
      (id) => subscriber.actor.role === "observer" || !this.observerClientIds.has(id),
    );
    const known = ids.filter((id) => this.awareness.meta.has(id));
    return known.length > 0 ? encodeAwarenessUpdate(this.awareness, known) : null;
  }

  private readonly broadcast = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    // What a subscriber sees depends only on whether it is an observer: one encoding, and one
    // frame per transport, for each of the two audiences (a room's joins are not quadratic).
    const audiences = new Map<boolean, SharedFrames | null>();
    for (const subscriber of this.clientIdsOf.keys()) {
      const observer = subscriber.actor.role === "observer";
      let frames = audiences.get(observer);
      if (frames === undefined) {
        const update = this.visibleTo(subscriber, changed);
        frames = update ? new SharedFrames(update) : null;
        audiences.set(observer, frames);
      }
      if (frames) subscriber.sendAwareness(frames.update, frames);
    }
    if (this.channel && origin !== REMOTE) {
      const entries = changed.filter((id) => this.isLocal(id)).map((id) => this.entryOf(id));
      if (entries.length > 0) this.channel.publish({ entries });
    }
  };

  /** Connects this document's presence to the other nodes', and asks them for theirs. */
  relayThrough(channel: PresenceChannel): void {
    this.channel = channel;
    channel.publish({ query: true, entries: [] });
  }

  /** Another node's presence of this document (already stamped there). */
  receiveRemote(message: PresenceMessage): void {
    if (message.query && this.channel) {
      const mine = [...this.awareness.getStates().keys()].filter((id) => this.isLocal(id));
      if (mine.length > 0) this.channel.publish({ entries: mine.map((id) => this.entryOf(id)) });
    }
    // A client id held by a subscriber here is never taken over from elsewhere, and only what
    // the awareness will accept (a newer clock, or a removal) may change an id's observer flag.
    const entries = message.entries.filter((e) => !this.isLocal(e.clientId) && this.accepts(e));
    if (entries.length === 0) return;
    for (const e of entries) {
      if (e.observer) this.observerClientIds.add(e.clientId);
      else this.observerClientIds.delete(e.clientId);
    }
    const update: AwarenessEntry[] = entries.map(({ clientId, clock, state }) => ({ clientId, clock, state }));
    applyAwarenessUpdate(this.awareness, encodeAwareness(update), REMOTE);
    for (const e of entries) if (e.state === null) this.observerClientIds.delete(e.clientId);
  }

  /** y-protocols' rule for a remote entry: a later clock, or the removal of a known state at its clock. */
  private accepts(entry: PresenceEntry): boolean {
    const current = this.awareness.meta.get(entry.clientId)?.clock;
    if (current === undefined) return true;
    return current < entry.clock || (current === entry.clock && entry.state === null);
  }

  private isLocal(clientId: number): boolean {
    for (const ids of this.clientIdsOf.values()) if (ids.has(clientId)) return true;
    return false;
  }

  private entryOf(clientId: number): PresenceEntry {
    const state = (this.awareness.getStates().get(clientId) as Record<string, unknown> | undefined) ?? null;
    const clock = this.awareness.meta.get(clientId)?.clock ?? 0;
    return { clientId, clock, state, observer: this.observerClientIds.has(clientId) };
  }

  destroy(): void {
    this.channel?.close();
    this.channel = null;
    this.awareness.off("update", this.broadcast);
    this.awareness.destroy();
  }
}
