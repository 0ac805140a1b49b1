import { setTimeout as delay } from "node:timers/promises";
import type { FollowHandler, StoredUpdate, StoreFollower } from "./Store.ts";

/** The two calls the follower needs of its own connection (blocking reads hold it). */
export interface FollowReader {
  /** XREAD over `streams`; null when nothing arrived within `block` ms or the read was unblocked. */
  read(
    streams: readonly { readonly key: string; readonly id: string }[],
    block: number | null,
    count: number,
  ): Promise<readonly { readonly key: string; readonly entries: readonly RawEntry[] }[] | null>;
  /** This connection's CLIENT ID, for CLIENT UNBLOCK from another connection. */
  clientId(): Promise<number>;
  close(): Promise<void>;
}

export interface RawEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, Buffer>>;
}

export interface RedisFollowerOptions {
  readonly reader: FollowReader;
  /**
   * Ends a blocking read of the follower's connection at once (CLIENT UNBLOCK on another one).
   * Without it (Redis Cluster) the follower polls without blocking.
   */
  readonly unblock?: (clientId: number) => Promise<void>;
  /** Streams of different groups (cluster hash slots) are never read in one call. */
  readonly groupOf?: (key: string) => string;
  readonly keyOf: (doc: string) => string;
  readonly decode: (doc: string, entry: RawEntry) => StoredUpdate;
  readonly deliver: FollowHandler;
  readonly onError?: (error: unknown) => void;
  /** How long one read waits for new entries (ms). */
  readonly blockMs?: number;
  /** Entries per stream and read: a burst is delivered in bounded pieces. */
  readonly count?: number;
  /** Streams per read: more watched documents are read in several calls. */
  readonly maxStreams?: number;
}

interface Watch {
  readonly key: string;
  /** Id of the last entry delivered (or the `after` it was watched from). */
  last: string;
}

const seq = (id: string): number => Number(id.slice(0, id.indexOf("-")));

/**
 * Follows documents' streams with XREAD BLOCK on a connection of its own, many streams per
 * call, and delivers each document's entries in store order, every entry once, from where it
 * was watched. A document watched while a read blocks is picked up at once (CLIENT UNBLOCK).
 * After a connection failure it resumes from the last entry delivered: no gap, no repeat.
 */
export function followRedisStreams(options: RedisFollowerOptions): StoreFollower {
  const { reader, keyOf, decode, deliver } = options;
  const blockMs = options.blockMs ?? 1000;
  const count = options.count ?? 256;
  const maxStreams = options.maxStreams ?? 512;
  const watched = new Map<string, Watch>();
  const docOfKey = new Map<string, string>();
  let closed = false;
  let reading = false;
  let wake: (() => void) | null = null;
  const { unblock, groupOf } = options;
  // Asked before the first read: once a read blocks, the connection answers nothing else.
  let id = unblock ? reader.clientId() : null;
  id?.catch((error) => options.onError?.(error));

  const interrupt = () => {
    wake?.();
    if (!reading || !unblock || !id) return;
    void id.then(unblock).catch((error) => options.onError?.(error));
  };

  /** The reads of one round: bounded calls, never mixing groups. */
  const calls = (): { key: string; id: string }[][] => {
    const groups = new Map<string, { key: string; id: string }[]>();
    for (const w of watched.values()) {
      const group = groupOf ? groupOf(w.key) : "";
      const list = groups.get(group) ?? [];
      list.push({ key: w.key, id: w.last });
      groups.set(group, list);
    }
    const out: { key: string; id: string }[][] = [];
    for (const list of groups.values()) {
      for (let at = 0; at < list.length; at += maxStreams) out.push(list.slice(at, at + maxStreams));
    }
    return out;
  };

  const deliverStream = (key: string, entries: readonly RawEntry[]) => {
    const doc = docOfKey.get(key);
    const watch = doc === undefined ? undefined : watched.get(doc);
    if (doc === undefined || watch === undefined) return;
    const fresh = entries.filter((entry) => seq(entry.id) > seq(watch.last));
    const last = fresh.at(-1);
    if (last === undefined) return;
    watch.last = last.id;
    deliver(
      doc,
      fresh.map((entry) => decode(doc, entry)),
    );
  };

  const readOnce = async (): Promise<void> => {
    const round = calls();
    // One blocking read when every stream fits in one call and it can be interrupted; else
    // non-blocking rounds.
    const block = round.length === 1 && unblock ? blockMs : null;
    let received = false;
    for (const streams of round) {
      if (closed) return;
      reading = block !== null;
      const reply = await reader.read(streams, block, count).finally(() => {
        reading = false;
      });
      for (const stream of reply ?? []) {
        received ||= stream.entries.length > 0;
        deliverStream(stream.key, stream.entries);
      }
    }
    if (block === null && !received) await delay(20);
  };

  const loop = async (): Promise<void> => {
    while (!closed) {
      if (watched.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      try {
        await readOnce();
      } catch (error) {
        if (closed) return;
        options.onError?.(error);
        // The connection may have come back as another client: ask its id again, before the
        // next read blocks it.
        if (unblock) {
          id = reader.clientId();
          id.catch(() => undefined);
        }
        await delay(200);
      }
    }
  };
  void loop();

  return {
    watch(doc: string, after: string | null) {
      if (closed || watched.has(doc)) return;
      const key = keyOf(doc);
      watched.set(doc, { key, last: after ?? "0-0" });
      docOfKey.set(key, doc);
      interrupt();
    },
    unwatch(doc: string) {
      const watch = watched.get(doc);
      if (!watch) return;
      watched.delete(doc);
      docOfKey.delete(watch.key);
    },
    async close() {
      if (closed) return;
      closed = true;
      watched.clear();
      interrupt();
      await reader.close();
    },
  };
}
