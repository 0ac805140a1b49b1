import { rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import * as Y from "yjs";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import type { SessionRecord, Store, UpdateAuthor, UpdateRecord } from "../server/src/store/Store.ts";
import { openSqliteStore } from "../server/src/store/sqliteStore.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { tempDir } from "./support/tmp.ts";

const ANA: UpdateAuthor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr" };
const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const AT = 1_700_000_000_000;

function rec(doc: string, bytes: number[] | Uint8Array, author: UpdateAuthor = ANA, at = AT): UpdateRecord {
  return { doc, update: bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), author, at };
}

/** Ids are opaque but increasing within a section: "N" (SQLite) or "MS-N" (Redis streams). */
function compareIds(a: string, b: string): number {
  const pa = a.split("-").map(BigInt);
  const pb = b.split("-").map(BigInt);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function expectIncreasing(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1] ?? "", ids[i] ?? "")).toBe(-1);
}

/** Plain arrays, so Buffer-vs-Uint8Array differences cannot hide or fake a mismatch. */
const plain = (updates: readonly Uint8Array[]): number[][] => updates.map((u) => Array.from(u));

function session(id: string, createdAt: number, title = `Session ${id}`): SessionRecord {
  return {
    id,
    title,
    template: "resolution",
    createdAt,
    createdBy: "u-chair",
    sections: [
      { id: "preamble", title: "Preamble" },
      { id: "operative", title: "Operative" },
    ],
  };
}

/**
 * The behaviour every Store must have. `open` may be called many times; all stores it returns
 * share the same data (same file, same prefix). `cleanup` runs once, after the suite.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    afterAll(cleanup);

    let counter = 0;
    /** A session name no other test of this suite uses (the backing data is shared). */
    const fresh = () => `t${++counter}`;

    async function useStore(): Promise<Store> {
      const store = await open();
      onTestFinished(() => store.close());
      return store;
    }

    it("append resolves with ids in order, increasing within each section", async () => {
      const store = await useStore();
      const s = fresh();
      const a = `${s}/preamble`;
      const b = `${s}/operative/c1`;
      const first = await store.append([rec(a, [1]), rec(b, [2]), rec(a, [3]), rec(b, [4])]);
      expect(first).toHaveLength(4);
      for (const id of first) expect(typeof id).toBe("string");
      const second = await store.append([rec(a, [5]), rec(b, [6])]);
      expectIncreasing([first[0], first[2], second[0]].map(String));
      expectIncreasing([first[1], first[3], second[1]].map(String));
      expect(await store.append([])).toEqual([]);
      expect((await store.history(a)).map((u) => u.id)).toEqual([first[0], first[2], second[0]]);
    });

    it("load of an unknown document is empty with head null", async () => {
      const store = await useStore();
      expect(await store.load(`${fresh()}/preamble`)).toEqual({ snapshot: null, updates: [], head: null });
      expect(await store.history(`${fresh()}/preamble/c1`)).toEqual([]);
    });

    it("rejects invalid document names", async () => {
      const store = await useStore();
      await expect(store.append([rec("Bad/Name", [1])])).rejects.toThrow();
      await expect(store.load("../etc")).rejects.toThrow();
      await expect(store.load("only-session")).rejects.toThrow();
    });

    it("load returns the updates of that document only, in order", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/preamble`;
      const clause = `${s}/preamble/c1`;
      const other = `${s}/operative`;
      const ids1 = await store.append([rec(index, [1]), rec(clause, [10]), rec(other, [20]), rec(index, [2])]);
      const ids2 = await store.append([rec(clause, [11]), rec(index, [3]), rec(other, [21])]);
      const ids3 = await store.append([rec(clause, [12])]);

      const li = await store.load(index);
      expect(plain(li.updates)).toEqual([[1], [2], [3]]);
      expect(li.snapshot).toBeNull();
      expect(li.head).toBe(ids2[1]);
      const lc = await store.load(clause);
      expect(plain(lc.updates)).toEqual([[10], [11], [12]]);
      expect(lc.head).toBe(ids3[0]);
      const lo = await store.load(other);
      expect(plain(lo.updates)).toEqual([[20], [21]]);
      expect(lo.head).toBe(ids2[2]);
      expect(ids1).toHaveLength(4);
    });

    it("load after a snapshot returns only the later updates and the right head", async () => {
      const store = await useStore();
      const s = fresh();
      const doc = `${s}/operative/c1`;
      const sibling = `${s}/operative`;
      const ids = await store.append([rec(doc, [1]), rec(sibling, [9]), rec(doc, [2]), rec(doc, [3])]);
      await store.saveSnapshot(doc, Uint8Array.from([7, 7]), ids[2] ?? "");
      const [later] = await store.append([rec(doc, [4]), rec(sibling, [8])]);

      const log = await store.load(doc);
      expect(Array.from(log.snapshot ?? [])).toEqual([7, 7]);
      expect(plain(log.updates)).toEqual([[3], [4]]);
      expect(log.head).toBe(later);

      // A snapshot covering everything: no updates, head is the snapshot's.
      await store.saveSnapshot(doc, Uint8Array.from([8, 8, 8]), later ?? "");
      const covered = await store.load(doc);
      expect(Array.from(covered.snapshot ?? [])).toEqual([8, 8, 8]);
      expect(covered.updates).toEqual([]);
      expect(covered.head).toBe(later);
      // The sibling was never compacted.
      expect(plain((await store.load(sibling)).updates)).toEqual([[9], [8]]);
    });

    it("history keeps every update after a snapshot, with authors and times", async () => {
      const store = await useStore();
      const doc = `${fresh()}/preamble`;
      const ids = await store.append([rec(doc, [1], ANA, AT), rec(doc, [2], SERVER, AT + 1)]);
      await store.saveSnapshot(doc, Uint8Array.from([0]), ids[1] ?? "");
      const [third] = await store.append([rec(doc, [3], ANA, AT + 2)]);

      const history = await store.history(doc);
      expect(history.map((h) => ({ ...h, update: Array.from(h.update) }))).toEqual([
        { id: ids[0], doc, update: [1], author: ANA, at: AT },
        { id: ids[1], doc, update: [2], author: SERVER, at: AT + 1 },
        { id: third, doc, update: [3], author: ANA, at: AT + 2 },
      ]);
    });

    it("round-trips all 256 byte values exactly", async () => {
      const store = await useStore();
      const doc = `${fresh()}/preamble/c1`;
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const reversed = all.slice().reverse();
      const [id] = await store.append([rec(doc, all), rec(doc, reversed)]);
      await store.saveSnapshot(doc, reversed, id ?? "");

      const log = await store.load(doc);
      expect(log.snapshot).toBeInstanceOf(Uint8Array);
      expect(Array.from(log.snapshot ?? [])).toEqual(Array.from(reversed));
      expect(plain(log.updates)).toEqual([Array.from(reversed)]);
      const history = await store.history(doc);
      expect(plain(history.map((h) => h.update))).toEqual([Array.from(all), Array.from(reversed)]);
    });

    it("appends a batch of 500 records in one call", async () => {
      const store = await useStore();
      const s = fresh();
      const docs = [`${s}/preamble`, `${s}/preamble/c1`, `${s}/operative/c2`];
      const batch = Array.from({ length: 500 }, (_, i) => rec(docs[i % 3] ?? "", [i % 256, i >> 8], ANA, AT + i));
      const ids = await store.append(batch);
      // Ids are unique within a section only (Redis: one stream per section).
      expect(ids).toHaveLength(500);
      expect(new Set(ids.filter((_, i) => i % 3 !== 2)).size).toBe(334);
      for (const [d, doc] of docs.entries()) {
        const expected = batch.filter((_, i) => i % 3 === d);
        const log = await store.load(doc);
        expect(plain(log.updates)).toEqual(plain(expected.map((r) => r.update)));
        expect(log.head).toBe(ids[batch.lastIndexOf(expected[expected.length - 1] as UpdateRecord)]);
        const history = await store.history(doc);
        expectIncreasing(history.map((h) => h.id));
        expect(history.map((h) => h.at)).toEqual(expected.map((r) => r.at));
      }
    });

    it("reads long logs completely (several pages), before and after a snapshot", async () => {
      const store = await useStore();
      const s = fresh();
      const doc = `${s}/operative`;
      const sibling = `${s}/operative/c9`;
      const batch = Array.from({ length: 2_500 }, (_, i) => rec(i % 5 === 4 ? sibling : doc, [i % 256, i >> 8]));
      const ids = await store.append(batch);
      const mine = batch.flatMap((r, i) => (r.doc === doc ? [i] : []));
      expect((await store.load(doc)).updates).toHaveLength(mine.length);
      expect((await store.history(doc)).map((h) => h.id)).toEqual(mine.map((i) => ids[i]));

      const cut = mine[1_100] ?? 0;
      await store.saveSnapshot(doc, Uint8Array.from([1]), ids[cut] ?? "");
      const log = await store.load(doc);
      expect(plain(log.updates)).toEqual(plain(mine.slice(1_101).map((i) => batch[i]?.update ?? new Uint8Array())));
      expect(log.head).toBe(ids[mine[mine.length - 1] ?? 0]);
    });

    it("stores real Yjs updates that rebuild the same text, with and without a snapshot", async () => {
      const store = await useStore();
      const doc = `${fresh()}/operative/c1`;
      const source = new Y.Doc();
      const updates: Uint8Array[] = [];
      source.on("update", (update: Uint8Array) => updates.push(update));
      const text = source.getText("text");
      for (let i = 0; i < 100; i++) {
        if (i % 7 === 6) text.delete(i % 5, 2);
        else text.insert((i * 13) % (text.length + 1), `w${i} `);
      }
      expect(updates).toHaveLength(100);

      const ids: string[] = [];
      for (let i = 0; i < 100; i += 10)
        ids.push(...(await store.append(updates.slice(i, i + 10).map((u) => rec(doc, u)))));

      const rebuild = async (): Promise<string> => {
        const log = await store.load(doc);
        const target = new Y.Doc();
        if (log.snapshot) Y.applyUpdate(target, log.snapshot);
        for (const u of log.updates) Y.applyUpdate(target, u);
        return target.getText("text").toString();
      };
      expect(await rebuild()).toBe(text.toString());

      // Compact the first half, as the server would.
      const half = new Y.Doc();
      for (const u of updates.slice(0, 50)) Y.applyUpdate(half, u);
      await store.saveSnapshot(doc, Y.encodeStateAsUpdate(half), ids[49] ?? "");
      const log = await store.load(doc);
      expect(log.updates).toHaveLength(50);
      expect(log.head).toBe(ids[99]);
      expect(await rebuild()).toBe(text.toString());
    });

    it("creates sessions once, gets and lists them", async () => {
      const store = await useStore();
      const id1 = fresh();
      const id2 = fresh();
      const first = session(id2, 2_000);
      const second = session(id1, 1_000);
      expect(await store.createSession(first)).toBe(true);
      expect(await store.createSession(second)).toBe(true);
      expect(await store.createSession(session(id2, 3_000, "Intruder"))).toBe(false);

      expect(await store.getSession(id2)).toEqual(first);
      expect(await store.getSession(id1)).toEqual(second);
      expect(await store.getSession(fresh())).toBeNull();
      const listed = (await store.listSessions()).filter((x) => x.id === id1 || x.id === id2);
      expect(listed).toEqual([second, first]);
    });

    it("keeps everything across close and reopen", async () => {
      const doc = `${fresh()}/preamble/c1`;
      const sessionId = fresh();
      const before = await useStore();
      const ids = await before.append([rec(doc, [1, 2]), rec(doc, [3], SERVER, AT + 5)]);
      await before.saveSnapshot(doc, Uint8Array.from([42]), ids[0] ?? "");
      await before.createSession(session(sessionId, 5));
      await before.close();

      const after = await useStore();
      const log = await after.load(doc);
      expect(Array.from(log.snapshot ?? [])).toEqual([42]);
      expect(plain(log.updates)).toEqual([[3]]);
      expect(log.head).toBe(ids[1]);
      expect((await after.history(doc)).map((h) => h.id)).toEqual(ids);
      expect(await after.getSession(sessionId)).toEqual(session(sessionId, 5));
      const [next] = await after.append([rec(doc, [4])]);
      expectIncreasing([ids[1] ?? "", next ?? ""]);
    });

    it("ping resolves", async () => {
      const store = await useStore();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

// SQLite: a real file, in a directory the store has to create.
const sqliteDir = tempDir("gavel-store-contract");
describeStoreContract(
  "sqlite",
  async () => openSqliteStore({ file: join(sqliteDir, "data", "gavel.sqlite") }),
  async () => rmSync(sqliteDir, { recursive: true, force: true }),
);

// Redis: a real server, a prefix of our own, its keys deleted afterwards.
const redisPrefix = testPrefix("store-contract");
let redisUrl: Promise<string> | null = null;
function redisUrlOnce(): Promise<string> {
  redisUrl ??= redisUrlForTests();
  return redisUrl;
}
describeStoreContract(
  "redis",
  async () => openRedisStore({ url: await redisUrlOnce(), prefix: redisPrefix }),
  async () => {
    if (redisUrl === null) return;
    const client = createClient({ url: await redisUrl });
    await client.connect();
    try {
      for await (const keys of client.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    } finally {
      client.destroy();
    }
  },
);
