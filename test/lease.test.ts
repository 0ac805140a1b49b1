import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../server/src/config.ts";
import { openStore } from "../server/src/openStore.ts";
import { clauseText, plainClient, typeInto } from "./support/clients.ts";
import { deleteKeys, redisUrlForTests, testPrefix } from "./support/redis.ts";
import { makeToken, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSE = "demo/implementation/c2";

/** Issue 8, bug 5: one node per Redis store until several nodes can share one. */
describe("one owner per store", () => {
  const prefix = testPrefix("lease");
  afterAll(async () => {
    const client = createClient({ url: await redisUrlForTests() });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
    await client.close();
  });

  it("a second node on the same Redis prefix exits with a clear message; the first keeps serving", async () => {
    const env = { REDIS_URL: await redisUrlForTests(), REDIS_PREFIX: prefix, REDIS_LEASE_MS: "2000" };
    const first = await spawnServer({ ...env, DATA_DIR: tempDir("gavel-lease-a-") });

    const second = spawnServer({ ...env, DATA_DIR: tempDir("gavel-lease-b-") });
    await expect(second).rejects.toThrow(/not starting: another Gavel node \(.+\) holds the lease/);
    await expect(second).rejects.toThrow(/REDIS_PREFIX/);

    expect(first.alive()).toBe(true);
    const writer = plainClient(first.wsUrl, CLAUSE, await makeToken("delegate"));
    const reader = plainClient(first.wsUrl, CLAUSE, await makeToken("observer"));
    await waitUntil(() => writer.provider.synced && reader.provider.synced, "clients of the first node synced");
    typeInto(writer.doc, "q1z ");
    await waitUntil(() => clauseText(reader.doc).includes("q1z"), "the first node still serves edits");

    // A node that stops releases its lease: the next one starts at once.
    await first.kill("SIGTERM");
    const third = await spawnServer({ ...env, DATA_DIR: tempDir("gavel-lease-c-") });
    const again = plainClient(third.wsUrl, CLAUSE, await makeToken("observer"));
    await waitUntil(() => again.provider.synced, "the next node serves");
    expect(clauseText(again.doc)).toContain("q1z");
  });

  it("nodes that all run with SHARED_STORE=true share the prefix; a node without it refuses to start beside them, and they beside it", async () => {
    const shared = testPrefix("lease-shared");
    const env = {
      REDIS_URL: await redisUrlForTests(),
      REDIS_PREFIX: shared,
      REDIS_LEASE_MS: "2000",
      SHARED_STORE: "true",
    };
    const a = await spawnServer({ ...env, DATA_DIR: tempDir("gavel-lease-sa-") });
    const b = await spawnServer({ ...env, DATA_DIR: tempDir("gavel-lease-sb-") });
    const alone = spawnServer({ ...env, SHARED_STORE: "false", DATA_DIR: tempDir("gavel-lease-sc-") });
    await expect(alone).rejects.toThrow(/several Gavel nodes share the Redis store .*SHARED_STORE=true/);
    expect(a.alive() && b.alive()).toBe(true);
    // And the other way round: a node that owns its prefix keeps it from shared nodes.
    const owned = testPrefix("lease-owned");
    const owner = await spawnServer({
      ...env,
      REDIS_PREFIX: owned,
      SHARED_STORE: "false",
      DATA_DIR: tempDir("gavel-lease-so-"),
    });
    const joiner = spawnServer({ ...env, REDIS_PREFIX: owned, DATA_DIR: tempDir("gavel-lease-sj-") });
    await expect(joiner).rejects.toThrow(/holds the lease .* for itself/);
    expect(owner.alive()).toBe(true);
    await deleteKeys(await redisUrlForTests(), [shared, owned]);
  });

  it("a node that owns the store still follows it in Redis, as shared nodes do: a node that took the lease over while the owner stalled may have appended", async () => {
    // Following only its own appends (the local follower), a stalled owner that appends once more
    // before its renewal finds the lease gone moves its heads past the new owner's entries, and
    // its next snapshot claims edits it never held (found in review, reverted).
    const url = await redisUrlForTests();
    const events = { onError: () => {}, onLeaseLost: () => {} };
    for (const env of [
      { REDIS_PREFIX: `${prefix}owned:` },
      { REDIS_PREFIX: `${prefix}shared:`, SHARED_STORE: "true" },
    ]) {
      const opened = await openStore(loadConfig({ REDIS_URL: url, ...env }), events);
      try {
        expect(opened.kind).toBe("redis");
        expect(typeof opened.store.follow).toBe("function");
        expect(typeof opened.store.presence).toBe("function");
      } finally {
        await opened.store.close();
      }
    }
  });
});
