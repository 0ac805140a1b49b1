import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { createClient, createCluster } from "redis";
import type { RedisTarget } from "./redisConnection.ts";

/**
 * One owner per Redis store until several nodes can share one (two nodes on one prefix lose
 * acknowledged edits: compaction and the index are per node). The owner holds a key with a TTL
 * and renews it; a node that finds the key renewed by someone else refuses to start. A node
 * killed without releasing its lease blocks the next one for at most one TTL.
 */
export interface StoreLease {
  /** Who holds it: host, process id and a random part. */
  readonly holder: string;
  release(): Promise<void>;
}

export type LeaseOptions = RedisTarget & {
  readonly prefix: string;
  readonly ttlMs: number;
  /** The lease was taken over (e.g. this node stalled for longer than the TTL): stop writing. */
  readonly onLost: (message: string) => void;
  readonly onError?: (error: Error) => void;
  /**
   * SHARED_STORE: this node shares the store with other nodes that share it too (they follow
   * it, see redisFollower.ts). They hold the lease together; a node that wants the store for
   * itself refuses to start beside them, and they refuse to start beside it.
   */
  readonly shared?: boolean;
};

/** The lease's value while nodes share the store. */
const SHARED = "shared";

export class LeaseHeldError extends Error {
  override readonly name = "LeaseHeldError";
}

/** Ours: extend. Gone (expired during an outage): take it again. Someone else's: lost. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function acquireStoreLease(options: LeaseOptions): Promise<StoreLease> {
  const { prefix, ttlMs } = options;
  const client =
    "url" in options
      ? createClient({ url: options.url, disableOfflineQueue: true })
      : createCluster({
          rootNodes: options.clusterNodes.map((node) => ({ url: `redis://${node}` })),
          defaults: { disableOfflineQueue: true },
        });
  client.on("error", (error: Error) => options.onError?.(error));
  await client.connect();
  const key = `${prefix}lease`;
  const shared = options.shared === true;
  const holder = shared ? SHARED : `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  try {
    const lease = {
      take: async () =>
        (await client.set(key, holder, { condition: "NX", expiration: { type: "PX", value: ttlMs } })) === "OK" ||
        (shared && (await client.get(key)) === SHARED),
      read: () => Promise.all([client.get(key), client.pTTL(key)]),
    };
    await waitForLease(
      lease,
      key,
      ttlMs,
      "url" in options ? new URL(options.url).host : options.clusterNodes.join(","),
      shared,
    );
  } catch (error) {
    await client.close();
    throw error;
  }
  const renew = async () => {
    try {
      const kept = await client.eval(RENEW_LUA, { keys: [key], arguments: [holder, String(ttlMs)] });
      if (kept === 0) options.onLost(`another node took the store lease ${key}`);
    } catch {
      // Redis unreachable: try again at the next tick; the store itself reports the outage.
    }
  };
  const timer = setInterval(() => void renew(), Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    holder,
    async release() {
      clearInterval(timer);
      try {
        // Shared: the other nodes keep it; it runs out a TTL after the last one goes.
        if (!shared) await client.eval(RELEASE_LUA, { keys: [key], arguments: [holder] });
      } finally {
        if (client.isOpen) await client.close();
      }
    },
  };
}

interface LeaseOps {
  /** SET NX with the TTL: true when this node now holds it. */
  take(): Promise<boolean>;
  /** The current holder and the lease's remaining milliseconds. */
  read(): Promise<[string | null, number]>;
}

/**
 * Takes the lease, or waits while its holder may be gone: a live holder renews every TTL/3, so
 * a remaining time that goes up proves it alive, and a dead one's lease runs out within a TTL.
 */
async function waitForLease(
  lease: LeaseOps,
  key: string,
  ttlMs: number,
  where: string,
  shared: boolean,
): Promise<void> {
  const deadline = Date.now() + ttlMs + 1_000;
  let lastRemaining = Number.POSITIVE_INFINITY;
  for (;;) {
    if (await lease.take()) return;
    const [current, remaining] = await lease.read();
    if (!shared && current === SHARED) {
      throw new LeaseHeldError(
        `several Gavel nodes share the Redis store at ${where} (lease ${key}, SHARED_STORE=true). ` +
          "Start this node with SHARED_STORE=true to join them, or give it another REDIS_PREFIX.",
      );
    }
    const renewed = current !== null && remaining > lastRemaining + 50;
    if (renewed || Date.now() > deadline) {
      throw new LeaseHeldError(
        `another Gavel node (${current ?? "unknown"}) holds the lease ${key} on the Redis store at ${where} for ` +
          "itself. Two nodes share a store only when every one of them runs with SHARED_STORE=true: stop the " +
          "other node or restart it with SHARED_STORE=true, or give this one another REDIS_PREFIX.",
      );
    }
    lastRemaining = remaining;
    await delay(100);
  }
}
