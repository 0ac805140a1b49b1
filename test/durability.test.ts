import { createClient } from "redis";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { startRedisCluster } from "./support/redisCluster.ts";
import { makeToken, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSE = "demo/implementation/c3";
const EDITS = 200;

async function editKillRestart(env: Record<string, string>): Promise<void> {
  const first = await spawnServer(env);
  const token = await makeToken("delegate");
  const socket = multiplexedSocket(first.wsUrl, token);
  const writer = attachDocument(socket, CLAUSE, token);
  await waitUntil(() => writer.synced && writer.unsyncedChanges === 0, "writer synced");
  for (let i = 0; i < EDITS; i++) typeInto(writer.document, `<e${i}>`);
  await waitUntil(() => writer.unsyncedChanges === 0, "all 200 edits acknowledged", 30_000);
  socket.destroy();

  await first.kill("SIGKILL");
  expect(first.alive()).toBe(false);

  const second = await spawnServer(env);
  const reader = plainClient(second.wsUrl, CLAUSE, await makeToken("observer"));
  await waitUntil(() => reader.provider.synced, "fresh client synced");
  const text = clauseText(reader.doc);
  const missing = Array.from({ length: EDITS }, (_, i) => `<e${i}>`).filter((marker) => !text.includes(marker));
  expect(missing).toEqual([]);
  expect(text).toBe(clauseText(writer.document));
}

describe("restart durability: acknowledged edits survive SIGKILL", () => {
  it("with the embedded SQLite store", async () => {
    await editKillRestart({ DATA_DIR: tempDir("gavel-durable-") });
  });

  const prefix = testPrefix("durability");
  afterAll(async () => {
    const client = createClient({ url: await redisUrlForTests() });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
    await client.close();
  });

  it("with Redis", async () => {
    await editKillRestart({
      DATA_DIR: tempDir("gavel-durable-redis-"),
      REDIS_URL: await redisUrlForTests(),
      REDIS_PREFIX: prefix,
      // The killed node's lease on the store blocks the next node until it runs out.
      REDIS_LEASE_MS: "2000",
    });
  });

  it("with a Redis Cluster of three masters (REDIS_CLUSTER_NODES)", async () => {
    const cluster = await startRedisCluster(3);
    onTestFinished(() => cluster.stop());
    await editKillRestart({
      DATA_DIR: tempDir("gavel-durable-cluster-"),
      REDIS_CLUSTER_NODES: cluster.nodes.join(","),
      REDIS_PREFIX: testPrefix("durability-cluster"),
      REDIS_LEASE_MS: "2000",
    });
  });
});
