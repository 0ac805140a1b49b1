import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { openRedisStore, type RedisStore, type RedisStoreOptions } from "../server/src/store/redisStore.ts";
import type { StoredUpdate, UpdateAuthor, UpdateRecord } from "../server/src/store/Store.ts";
import { deleteKeys, redisUrlForTests, startRedisServer, testPrefix } from "./support/redis.ts";
import { startRedisCluster } from "./support/redisCluster.ts";
import { waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const ANA: UpdateAuthor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "AFR" };
const CLAUSE = "s/sec/c1";

function rec(doc: string, n: number, extra: Partial<UpdateRecord> = {}): UpdateRecord {
  return { doc, update: Uint8Array.of(n & 0xff, n >> 8, 1, 2, 3), author: ANA, at: 1_700_000_000_000 + n, ...extra };
}

const prefixes: string[] = [];

async function open(prefix: string, extra: Partial<RedisStoreOptions> = {}, url?: string): Promise<RedisStore> {
  prefixes.push(prefix);
  const store = await openRedisStore({ url: url ?? (await redisUrlForTests()), prefix, ...extra });
  onTestFinished(() => store.close());
  return store;
}

/** Follows `docs` of `store`, collecting what it delivers. */
function collect(store: RedisStore) {
  const got = new Map<string, StoredUpdate[]>();
  const calls: number[] = [];
  const errors: unknown[] = [];
  if (!store.follow) throw new Error("the Redis store follows");
  const follower = store.follow(
    (doc, entries) => {
      calls.push(entries.length);
      got.set(doc, [...(got.get(doc) ?? []), ...entries]);
    },
    (error) => errors.push(error),
  );
  onTestFinished(() => follower.close());
  return { follower, got, calls, errors, of: (doc: string) => got.get(doc) ?? [] };
}

afterAll(async () => deleteKeys(await redisUrlForTests(), prefixes));

describe("following the Redis store (issue 10: the log is the only way state enters memory)", () => {
  it("a node follows what another node appends: that document's entries only, in order, with origin, author, command and lock effect", async () => {
    const prefix = testPrefix("follow");
    const a = await open(prefix);
    const b = await open(prefix);
    const seen = collect(b);
    seen.follower.watch(CLAUSE, null);
    seen.follower.watch("s/sec", null);
    const ids = await a.append([
      rec(CLAUSE, 1, { origin: "node-a" }),
      rec("s/sec/c2", 2, { origin: "node-a" }),
      rec(CLAUSE, 3, { origin: "node-a" }),
      rec("s/sec", 4, { origin: "node-a", command: '{"type":"lock"}', lockEffect: { type: "lock", target: CLAUSE } }),
    ]);
    await waitUntil(() => seen.of(CLAUSE).length === 2 && seen.of("s/sec").length === 1, "both documents delivered");
    expect(seen.of(CLAUSE).map((e) => e.id)).toEqual([ids[0], ids[2]]);
    expect(seen.of(CLAUSE).map((e) => [...e.update])).toEqual([
      [1, 0, 1, 2, 3],
      [3, 0, 1, 2, 3],
    ]);
    expect(seen.of(CLAUSE)[0]).toMatchObject({ doc: CLAUSE, origin: "node-a", author: ANA });
    expect(seen.of("s/sec")[0]).toMatchObject({
      command: '{"type":"lock"}',
      lockEffect: { type: "lock", target: CLAUSE },
    });
    expect(seen.got.has("s/sec/c2")).toBe(false);
    expect(seen.errors).toEqual([]);
  });

  it("watching from an id delivers only what follows it; unwatch stops delivery", async () => {
    const prefix = testPrefix("follow");
    const a = await open(prefix);
    const ids = await a.append([rec(CLAUSE, 1), rec(CLAUSE, 2), rec(CLAUSE, 3)]);
    const seen = collect(a);
    seen.follower.watch(CLAUSE, ids[1] ?? null);
    await waitUntil(() => seen.of(CLAUSE).length === 1, "the entry after it");
    expect(seen.of(CLAUSE)[0]?.id).toBe(ids[2]);
    seen.follower.unwatch(CLAUSE);
    seen.follower.watch("s/sec/c2", null);
    await a.append([rec(CLAUSE, 4), rec("s/sec/c2", 5)]);
    await waitUntil(() => seen.of("s/sec/c2").length === 1, "the other document");
    expect(seen.of(CLAUSE)).toHaveLength(1);
  });

  it("a document watched while a read blocks is read at once, not after the block (CLIENT UNBLOCK)", async () => {
    const prefix = testPrefix("follow");
    // A block far longer than the wait below: only the unblock can deliver in time.
    const a = await open(prefix, { followBlockMs: 120_000 });
    const seen = collect(a);
    seen.follower.watch("s/sec/c9", null);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first read is blocking now
    seen.follower.watch(CLAUSE, null);
    await a.append([rec(CLAUSE, 1)]);
    await waitUntil(() => seen.of(CLAUSE).length === 1, "delivered without waiting for the block", 10_000);
  });

  it("a burst of 3,000 entries arrives complete and in order, in bounded pieces", async () => {
    const prefix = testPrefix("follow");
    const a = await open(prefix);
    const seen = collect(a);
    seen.follower.watch(CLAUSE, null);
    const ids: (string | null)[] = [];
    for (let at = 0; at < 3000; at += 500) {
      ids.push(...(await a.append(Array.from({ length: 500 }, (_, i) => rec(CLAUSE, at + i)))));
    }
    await waitUntil(() => seen.of(CLAUSE).length === 3000, "every entry", 20_000);
    expect(seen.of(CLAUSE).map((e) => e.id)).toEqual(ids);
    expect(Math.max(...seen.calls)).toBeLessThanOrEqual(256);
  });

  it("after Redis goes away and comes back, the follower resumes where it was: no entry lost, none twice", async () => {
    const dir = tempDir("gavel-follow-redis-");
    const redis = await startRedisServer({ dir });
    onTestFinished(() => redis.stop());
    const prefix = testPrefix("follow");
    const store = await open(prefix, {}, redis.url);
    const seen = collect(store);
    seen.follower.watch(CLAUSE, null);
    await store.append([rec(CLAUSE, 1), rec(CLAUSE, 2)]);
    await waitUntil(() => seen.of(CLAUSE).length === 2, "before the outage");
    redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await startRedisServer({ dir, port: redis.port });
    onTestFinished(() => again.stop());
    let appended = false;
    for (let attempt = 0; attempt < 100 && !appended; attempt += 1) {
      try {
        await store.append([rec(CLAUSE, 3), rec(CLAUSE, 4)]);
        appended = true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(appended).toBe(true);
    await waitUntil(() => seen.of(CLAUSE).length >= 4, "after the outage", 15_000);
    expect(seen.of(CLAUSE).map((e) => e.update[0])).toEqual([1, 2, 3, 4]);
    expect(seen.errors.length).toBeGreaterThan(0);
  });

  it("on a Redis Cluster a follower reads documents of several slots, each in order", async () => {
    const cluster = await startRedisCluster(3);
    onTestFinished(() => cluster.stop());
    const prefix = testPrefix("follow-cluster");
    const a = await openRedisStore({ clusterNodes: cluster.nodes, prefix });
    onTestFinished(() => a.close());
    const b = await openRedisStore({ clusterNodes: cluster.nodes, prefix });
    onTestFinished(() => b.close());
    const seen = collect(b);
    const docs = ["s/one/c1", "s/two/c1", "s/three/c1", "t/four/c1"];
    for (const doc of docs) seen.follower.watch(doc, null);
    for (let n = 0; n < 20; n += 1) await a.append(docs.map((doc) => rec(doc, n)));
    await waitUntil(() => docs.every((doc) => seen.of(doc).length === 20), "every document, every entry");
    for (const doc of docs)
      expect(seen.of(doc).map((e) => e.update[0])).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(seen.errors).toEqual([]);
  });
});
