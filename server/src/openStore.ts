import { join } from "node:path";
import type { Config } from "./config.ts";
import type { RedisTarget } from "./store/redisConnection.ts";
import type { Store } from "./store/Store.ts";
import { openSqliteStore } from "./store/sqliteStore.ts";

export interface StoreEvents {
  readonly onError: (error: unknown) => void;
  /** Another node took this node's lease on the Redis store: it must stop writing. */
  readonly onLeaseLost: (message: string) => void;
}

/**
 * Redis Cluster when REDIS_CLUSTER_NODES is set, Redis when REDIS_URL is, else the embedded SQLite
 * file in DATA_DIR. A Redis store is
 * opened only under this node's lease (storeLease.ts), released when the store closes; it
 * rejects with LeaseHeldError when another node holds it.
 */
export async function openStore(config: Config, events: StoreEvents): Promise<{ store: Store; kind: string }> {
  const target: RedisTarget | null = config.redisClusterNodes
    ? { clusterNodes: config.redisClusterNodes }
    : config.redisUrl
      ? { url: config.redisUrl }
      : null;
  if (target) {
    // Loaded only for Redis: a SQLite node never pays for the client's memory.
    const [{ openRedisStore }, { acquireStoreLease }] = await Promise.all([
      import("./store/redisStore.ts"),
      import("./store/storeLease.ts"),
    ]);
    const { redisPrefix: prefix } = config;
    const lease = await acquireStoreLease({
      ...target,
      prefix,
      ttlMs: config.redisLeaseMs,
      shared: config.sharedStore,
      onLost: events.onLeaseLost,
      onError: events.onError,
    });
    try {
      const store = await openRedisStore({ ...target, prefix, onError: events.onError });
      const close = async () => {
        try {
          await store.close();
        } finally {
          await lease.release();
        }
      };
      return { store: { ...store, close }, kind: "url" in target ? "redis" : "redis-cluster" };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }
  return {
    store: openSqliteStore({ file: join(config.dataDir, "gavel.sqlite"), writerIdleMs: config.sqliteWriterIdleMs }),
    kind: "sqlite",
  };
}
