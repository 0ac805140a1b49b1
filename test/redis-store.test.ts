import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { GroupCommit } from "../server/src/core/GroupCommit.ts";
import { openRedisStore, type RedisStore } from "../server/src/store/redisStore.ts";
import type { UpdateAuthor, UpdateRecord } from "../server/src/store/Store.ts";
import { deleteKeys, redisUrlForTests, testPrefix } from "./support/redis.ts";

const ANA: UpdateAuthor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr" };

function rec(doc: string, n: number): UpdateRecord {
  return { doc, update: Uint8Array.of(n & 0xff, n >> 8, 7, 7, 7, 7, 7, 7), author: ANA, at: 1_700_000_000_000 + n };
}

const prefixes: string[] = [];
const opened: RedisStore[] = [];

async function open(prefix = testPrefix("redis-store"), onEntriesRead?: (key: string, n: number) => void) {
  prefixes.push(prefix);
  const store = await openRedisStore({ url: await redisUrlForTests(), prefix, onEntriesRead });
  opened.push(store);
  return store;
}

afterAll(async () => {
  for (const store of opened) await store.close();
  await deleteKeys(await redisUrlForTests(), prefixes);
});

describe("Redis store", () => {
  it("commits a burst of 50,000 updates through group commit with no failed batch", async () => {
    const store = await open();
    const failures: unknown[] = [];
    const batches: number[] = [];
    const commit = new GroupCommit(store, {
      appended: (_, records) => batches.push(records),
      failed: (error) => failures.push(error),
    });
    const docs = ["s/a/c1", "s/a/c2", "s/b/c1", "s/b"];
    // All submitted in one tick: the whole burst is queued before the first append.
    const ids = await Promise.all(
      Array.from({ length: 50_000 }, (_, n) => commit.submit(rec(docs[n % docs.length] ?? "s/a/c1", n))),
    );
    expect(failures).toEqual([]);
    expect(ids.every((id) => id !== null)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(50_000);
    expect(batches.length).toBeGreaterThan(1);
    expect((await store.history("s/a/c1")).length).toBe(12_500);
    expect((await store.sectionHistory("s/b")).length).toBe(25_000);
  });

  it("appends a batch of 50,000 records in one call without overflowing the call stack", async () => {
    const store = await open();
    const ids = await store.append(Array.from({ length: 50_000 }, (_, n) => rec("s/a/c1", n)));
    expect(ids.filter((id) => id !== null)).toHaveLength(50_000);
  });

  it("a clause load reads only that clause's entries", async () => {
    const reads = new Map<string, number>();
    const store = await open(undefined, (key, n) => reads.set(key, (reads.get(key) ?? 0) + n));
    await store.append(Array.from({ length: 300 }, (_, n) => rec(n % 3 === 0 ? "s/a/c1" : "s/a/c2", n)));
    await store.append([rec("s/a", 1000), rec("s/b/c1", 1001)]);
    reads.clear();
    const log = await store.load("s/a/c1");
    expect(log.updates).toHaveLength(100);
    expect([...reads.values()].reduce((a, b) => a + b, 0)).toBe(100);
    expect([...reads.keys()].every((key) => key.endsWith(":log:s/a/c1"))).toBe(true);
  });

  it("after a snapshot, a load reads only the entries that follow it", async () => {
    let read = 0;
    const store = await open(undefined, (_, n) => {
      read += n;
    });
    const ids = await store.append(Array.from({ length: 50 }, (_, n) => rec("s/a/c1", n)));
    await store.saveSnapshot("s/a/c1", Uint8Array.of(0, 0), ids[39] ?? "");
    read = 0;
    const log = await store.load("s/a/c1");
    expect(log.updates).toHaveLength(10);
    expect(read).toBe(10);
  });

  it("keeps a section's keys in one hash slot", async () => {
    const prefix = testPrefix("redis-store");
    const store = await open(prefix);
    await store.append([rec("s/a/c1", 1), rec("s/a", 2)]);
    await store.saveSnapshot("s/a/c1", Uint8Array.of(0, 0), (await store.position("s/a")) ?? "");
    const client = createClient({ url: await redisUrlForTests() });
    await client.connect();
    try {
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
      const sectionKeys = keys.filter((key) => key.includes("{"));
      expect(sectionKeys.length).toBeGreaterThanOrEqual(4);
      expect(new Set(sectionKeys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]))).toEqual(new Set(["s/a"]));
    } finally {
      client.destroy();
    }
  });

  it("refuses a prefix that holds data of the old layout", async () => {
    const prefix = testPrefix("redis-store");
    prefixes.push(prefix);
    const client = createClient({ url: await redisUrlForTests() });
    await client.connect();
    try {
      await client.hSet(`${prefix}sessions`, "s", "{}");
    } finally {
      client.destroy();
    }
    await expect(openRedisStore({ url: await redisUrlForTests(), prefix })).rejects.toThrow(/older layout/);
  });
});
