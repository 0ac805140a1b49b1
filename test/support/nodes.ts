import { onTestFinished } from "vitest";
import { type HaproxyProcess, startHaproxy } from "./haproxy.ts";
import { type RedisServer, startRedisServer, testPrefix } from "./redis.ts";
import { type ServerProcess, spawnServer } from "./serverProcess.ts";
import { tempDir } from "./tmp.ts";

export interface NodeSet {
  readonly redis: RedisServer;
  /** The environment every node gets (one Redis, one prefix, SHARED_STORE=true). */
  readonly env: Record<string, string>;
  readonly nodes: ServerProcess[];
  readonly proxy: HaproxyProcess;
  /** Starts node `i` again (after a kill) on its port, and waits until it is ready. */
  restart(i: number): Promise<ServerProcess>;
}

/**
 * `count` Gavel nodes as child processes on one private Redis (memory only, on a free port)
 * and one prefix, sharing the store, with the demo session, behind HAProxy (round robin).
 * Everything is stopped, by PID, when the test finishes.
 */
export async function startNodes(count: number, extra: Record<string, string> = {}): Promise<NodeSet> {
  const redis = await startRedisServer();
  onTestFinished(() => redis.stop());
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: testPrefix("nodes"),
    SHARED_STORE: "true",
    REDIS_LEASE_MS: "2000",
    DEMO_SESSION: "demo",
    ...extra,
  };
  // Started together: the demo session is created once however they race.
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      spawnServer({ ...env, NODE_ID: `node-${i + 1}`, DATA_DIR: tempDir(`gavel-node-${i + 1}-`) }),
    ),
  );
  const proxy = await startHaproxy(nodes.map((node) => node.port));
  onTestFinished(() => proxy.stop());
  return {
    redis,
    env,
    nodes,
    proxy,
    async restart(i) {
      const node = await spawnServer(
        { ...env, NODE_ID: `node-${i + 1}`, DATA_DIR: tempDir(`gavel-node-${i + 1}-`) },
        nodes[i]?.port,
      );
      nodes[i] = node;
      return node;
    },
  };
}
