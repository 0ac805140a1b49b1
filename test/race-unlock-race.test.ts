import { type ClauseEntry, type DocName, INDEX_CLAUSES } from "@gavel/model";
import { expect, it } from "vitest";
import { buildServer, loadConfig, secretKey } from "../server/src/index.ts";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import type { Store } from "../server/src/store/Store.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { TEST_SECRET, waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const chair = { sub: "chair-1", name: "Chair", role: "chair" as const, delegation: null, session: "demo" };

async function node(prefix: string, hold?: { doc: string; gate: Promise<void>; entered: () => void }) {
  const inner = await openRedisStore({ url: await redisUrlForTests(), prefix });
  const store: Store = new Proxy(inner, {
    get(target, prop) {
      if (prop === "load" && hold)
        return async (doc: string) => {
          if (doc === hold.doc) {
            hold.entered();
            await hold.gate;
          }
          return target.load(doc);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const config = loadConfig({ DATA_DIR: tempDir("rev-"), LOG_LEVEL: "warn", PORT: "0" });
  const server = await buildServer(config, { store, secret: secretKey(TEST_SECRET) });
  await server.sessions.ensureSession("demo", "wtdc-action-plan");
  return {
    server,
    close: async () => {
      await server.close();
      await inner.close();
    },
  };
}

it("an unlock stored while a clause loads on another node leaves no node's copy locked: it writes again", async () => {
  const prefix = testPrefix("review-unlock");
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered = false;
  const CLAUSE = "demo/implementation/c2";
  const a = await node(prefix);
  const b = await node(prefix, { doc: CLAUSE, gate, entered: () => (entered = true) });
  try {
    await a.server.commands.execute(chair, "demo", {
      type: "lock",
      section: "implementation",
      clause: "c2",
      reason: "x",
    });
    // B holds the section index (followed), then starts loading the clause: its load is held.
    const indexName: DocName = {
      kind: "index",
      name: "demo/implementation",
      session: "demo",
      section: "implementation",
    };
    const bIndex = await b.server.registry.acquire(indexName);
    await waitUntil(() => !!bIndex.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get("c2")?.lock, "B sees the lock");
    const loading = b.server.registry.acquire({
      kind: "clause",
      name: CLAUSE,
      session: "demo",
      section: "implementation",
      clause: "c2",
    });
    await waitUntil(() => entered, "B's clause load started");
    await a.server.commands.execute(chair, "demo", {
      type: "unlock",
      section: "implementation",
      clause: "c2",
      reason: "reopen",
    });
    await waitUntil(
      () => bIndex.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get("c2")?.lock === null,
      "B's index learned the unlock",
    );
    release();
    const clause = await loading;
    expect(clause.lockRecord).toBeNull();
  } finally {
    release();
    await b.close();
    await a.close();
  }
});
