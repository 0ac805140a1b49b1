import { execFile } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { createClient } from "redis";
import { freePort, type RedisServer, startRedisServer } from "./redis.ts";
import { tempDir } from "./tmp.ts";

const run = promisify(execFile);

export interface RedisCluster {
  /** `host:port` of every master, for REDIS_CLUSTER_NODES. */
  readonly nodes: readonly string[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters and no replicas, on free local ports: each a
 * private `redis-server --cluster-enabled yes`, joined by `redis-cli --cluster create`; resolves
 * once every node reports `cluster_state:ok`. The caller stops it (each server by its PID).
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i += 1) {
      const port = await freePort();
      const dir = tempDir("gavel-cluster-");
      servers.push(
        await startRedisServer({
          port,
          extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", `${dir}/nodes.conf`, "--dir", dir],
        }),
      );
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
    const deadline = Date.now() + 20_000;
    for (const server of servers) {
      for (;;) {
        if (await clusterOk(server.url)) break;
        if (Date.now() > deadline) throw new Error(`cluster not ok on ${server.url}`);
        await delay(100);
      }
    }
    return { nodes, stop: async () => void (await Promise.all(servers.map((server) => server.stop()))) };
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
}

async function clusterOk(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.sendCommand(["CLUSTER", "INFO"]))?.toString().includes("cluster_state:ok") ?? false;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}
