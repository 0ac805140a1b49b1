import { rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import * as Y from "yjs";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import {
  type RevisionRecord,
  type SessionRecord,
  type Store,
  StoreConflictError,
  type StoredUpdate,
  type UpdateAuthor,
  type UpdateRecord,
} from "../server/src/store/Store.ts";
import { openSqliteStore } from "../server/src/store/sqliteStore.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { type RedisCluster, startRedisCluster } from "./support/redisCluster.ts";
import { tempDir } from "./support/tmp.ts";

const ANA: UpdateAuthor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr" };
const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const AT = 1_700_000_000_000;

function rec(doc: string, bytes: number[] | Uint8Array, author: UpdateAuthor = ANA, at = AT): UpdateRecord {
  return { doc, update: bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), author, at };
}

/** A record as a server command makes it: on the section index, with the command JSON and a lock effect. */
function lockRec(index: string, target: string, type: "lock" | "unlock" = "lock", at = AT): UpdateRecord {
  return {
    ...rec(index, [0xee, type === "lock" ? 1 : 0], SERVER, at),
    command: JSON.stringify({ type, clause: target }),
    lockEffect: { type, target },
  };
}

/** The ids of a batch nothing in which was refused. */
function accepted(ids: readonly (string | null)[]): string[] {
  return ids.map((id) => {
    expect(id).not.toBeNull();
    return id ?? "";
  });
}

/** What a history entry says, with the update as a plain array. */
const summary = (h: StoredUpdate) => ({ ...h, update: Array.from(h.update) });

function revision(label: string, at: number, positions: Record<string, string | null>): RevisionRecord {
  return { label, at, by: { sub: "u-chair", name: "Chair" }, positions };
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
    sources: [
      { id: "wtdc-22", title: "WTDC-22 Final Report", url: "https://example.org/wtdc-22?lang=en&v=2" },
      { id: "chair-notes", title: "Chair’s notes — “draft” ✓" },
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
      const section = doc.split("/").slice(0, 2).join("/");
      const [lockId] = await store.append([{ ...lockRec(section, doc), update: all }]);
      const sectionLog = await store.sectionHistory(section);
      expect(plain(sectionLog.map((h) => h.update))).toEqual([Array.from(all), Array.from(reversed), Array.from(all)]);
      expect(sectionLog.map((h) => h.id)).toEqual([id, history[1]?.id, lockId]);
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
        ids.push(...accepted(await store.append(updates.slice(i, i + 10).map((u) => rec(doc, u)))));

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

    it("stores a record's command and returns it from history and sectionHistory, absent when none", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/operative`;
      const clause = `${s}/operative/c1`;
      const add = JSON.stringify({ type: "add-clause", id: "c1", note: 'é ✓ \u0000 "quoted"\n' });
      const ids = accepted(
        await store.append([
          { ...rec(index, [1], SERVER), command: add },
          rec(clause, [2]),
          { ...rec(index, [3], SERVER, AT + 1), command: "" },
        ]),
      );
      const expected = [
        { id: ids[0], doc: index, update: [1], author: SERVER, at: AT, command: add },
        { id: ids[1], doc: clause, update: [2], author: ANA, at: AT },
        { id: ids[2], doc: index, update: [3], author: SERVER, at: AT + 1, command: "" },
      ];
      const section = await store.sectionHistory(index);
      expect(section.map(summary)).toEqual(expected);
      expect("command" in (section[1] ?? {})).toBe(false);
      expect((await store.history(index)).map(summary)).toEqual([expected[0], expected[2]]);
      const [clauseEntry] = await store.history(clause);
      expect(clauseEntry !== undefined && "command" in clauseEntry).toBe(false);
    });

    it("a lock refuses later records for that clause, in the same batch and in later ones", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/operative`;
      const c1 = `${s}/operative/c1`;
      const c2 = `${s}/operative/c2`;
      const first = await store.append([rec(c1, [1]), lockRec(index, c1), rec(c1, [2]), rec(c2, [3])]);
      expect(first.map((id) => id === null)).toEqual([false, false, true, false]);
      const second = await store.append([rec(c1, [4]), rec(index, [5]), rec(c1, [6])]);
      expect(second.map((id) => id === null)).toEqual([true, false, true]);

      expect(plain((await store.history(c1)).map((h) => h.update))).toEqual([[1]]);
      expect(plain((await store.load(c1)).updates)).toEqual([[1]]);
      expect((await store.load(c1)).head).toBe(first[0]);
      expect(plain((await store.load(c2)).updates)).toEqual([[3]]);
      expect((await store.sectionHistory(index)).map((h) => h.id)).toEqual([first[0], first[1], first[3], second[1]]);
      expect(await store.lockedDocs(`${s}/`)).toEqual([c1]);
    });

    it("unlock lets a clause take edits again, effects applying in record order", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/preamble`;
      const c1 = `${s}/preamble/c1`;
      const ids = await store.append([
        lockRec(index, c1),
        rec(c1, [1]),
        lockRec(index, c1, "unlock"),
        rec(c1, [2]),
        lockRec(index, c1),
        lockRec(index, c1),
        rec(c1, [3]),
      ]);
      expect(ids.map((id) => id === null)).toEqual([false, true, false, false, false, false, true]);
      expect(await store.lockedDocs(`${s}/`)).toEqual([c1]);
      // Locking twice and unlocking once unlocks; unlocking an unlocked clause is harmless.
      const later = accepted(
        await store.append([lockRec(index, c1, "unlock"), rec(c1, [4]), lockRec(index, c1, "unlock"), rec(c1, [5])]),
      );
      expect(later).toHaveLength(4);
      expect(await store.lockedDocs(`${s}/`)).toEqual([]);
      expect(plain((await store.history(c1)).map((h) => h.update))).toEqual([[2], [4], [5]]);
    });

    it("rejects a batch with an invalid lock effect, writing nothing", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/preamble`;
      const c1 = `${s}/preamble/c1`;
      // Only clauses can be locked: a locked index could never take the record unlocking it.
      await expect(store.append([rec(c1, [1]), lockRec(index, index)])).rejects.toThrow();
      await expect(store.append([rec(c1, [1]), lockRec(index, "Bad/Target")])).rejects.toThrow();
      expect(await store.history(c1)).toEqual([]);
      expect(await store.sectionHistory(index)).toEqual([]);
      expect(await store.lockedDocs(`${s}/`)).toEqual([]);
    });

    it("a lock survives closing and reopening the store", async () => {
      const s = fresh();
      const index = `${s}/operative`;
      const c1 = `${s}/operative/c1`;
      const before = await useStore();
      accepted(await before.append([rec(c1, [1]), lockRec(index, c1)]));
      await before.close();

      const after = await useStore();
      expect(await after.lockedDocs(`${s}/`)).toEqual([c1]);
      expect(await after.append([rec(c1, [2])])).toEqual([null]);
      accepted(await after.append([lockRec(index, c1, "unlock"), rec(c1, [3])]));
      expect(plain((await after.history(c1)).map((h) => h.update))).toEqual([[1], [3]]);
    });

    it("lockedDocs lists the locked clauses starting with the prefix, sorted", async () => {
      const store = await useStore();
      const s = fresh();
      const docs = [`${s}/b/c2`, `${s}/a/c9`, `${s}/b/c10`, `${s}x/a/c1`, `${s}/a/c1`];
      accepted(await store.append(docs.map((d) => lockRec(d.split("/").slice(0, 2).join("/"), d))));
      expect(await store.lockedDocs(`${s}/`)).toEqual([`${s}/a/c1`, `${s}/a/c9`, `${s}/b/c10`, `${s}/b/c2`]);
      expect(await store.lockedDocs(`${s}/b/`)).toEqual([`${s}/b/c10`, `${s}/b/c2`]);
      expect(await store.lockedDocs(`${s}/a/c1`)).toEqual([`${s}/a/c1`]);
      expect(await store.lockedDocs(s)).toEqual([...docs].sort());
      expect(await store.lockedDocs(`${s}/z`)).toEqual([]);
      expect(await store.lockedDocs("")).toEqual(expect.arrayContaining(docs));
    });

    it("two stores on the same data respect each other's locks", async () => {
      const s = fresh();
      const index = `${s}/operative`;
      const c1 = `${s}/operative/c1`;
      const a = await useStore();
      const b = await useStore();
      accepted(await b.append([rec(c1, [1])]));
      accepted(await a.append([lockRec(index, c1)]));
      expect(await b.append([rec(c1, [2]), rec(index, [3])]).then((ids) => ids.map((id) => id === null))).toEqual([
        true,
        false,
      ]);
      expect(await b.lockedDocs(`${s}/`)).toEqual([c1]);
      accepted(await b.append([lockRec(index, c1, "unlock")]));
      accepted(await a.append([rec(c1, [4])]));
      expect(plain((await a.history(c1)).map((h) => h.update))).toEqual([[1], [4]]);

      // Racing: b keeps editing while a locks. Every accepted edit precedes the lock, and once
      // b's batches are refused they stay refused (b's own batches are applied in order).
      const batch = (i: number) => b.append([rec(c1, [10 + i]), rec(c1, [50 + i])]);
      const early = Array.from({ length: 10 }, (_, i) => batch(i));
      const locking = a.append([lockRec(index, c1)]);
      const late = Array.from({ length: 10 }, (_, i) => batch(10 + i));
      const [lockId] = accepted(await locking);
      const results = await Promise.all([...early, ...late]);
      const refused = results.map((ids) => {
        expect(ids[0] === null).toBe(ids[1] === null);
        return ids[0] === null;
      });
      expect(refused).toEqual([...refused].sort());
      const editIds = results.flat().filter((id): id is string => id !== null);
      for (const id of editIds) expect(compareIds(id, lockId ?? "")).toBe(-1);
      expect((await b.history(c1)).map((h) => h.id).slice(2)).toEqual(editIds);
      expect(await b.append([rec(c1, [99])])).toEqual([null]);
    });

    it("history and sectionHistory stop at until, inclusive; null or absent means everything", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/operative`;
      const c1 = `${s}/operative/c1`;
      const c2 = `${s}/operative/c2`;
      const ids = accepted(
        await store.append([rec(index, [1]), rec(c1, [2]), rec(c2, [3]), rec(index, [4]), rec(c1, [5])]),
      );
      const updatesOf = (h: StoredUpdate[]) => plain(h.map((x) => x.update));
      expect(updatesOf(await store.history(c1, ids[1]))).toEqual([[2]]);
      expect(updatesOf(await store.history(c1, ids[3]))).toEqual([[2]]); // another doc's id of the section
      expect(updatesOf(await store.history(c1, ids[4]))).toEqual([[2], [5]]);
      expect(updatesOf(await store.history(c1, null))).toEqual([[2], [5]]);
      expect(updatesOf(await store.history(c1))).toEqual([[2], [5]]);
      expect(await store.history(c2, ids[1])).toEqual([]);
      expect(updatesOf(await store.sectionHistory(index, ids[0]))).toEqual([[1]]);
      expect(updatesOf(await store.sectionHistory(index, ids[2]))).toEqual([[1], [2], [3]]);
      expect(updatesOf(await store.sectionHistory(index, null))).toEqual([[1], [2], [3], [4], [5]]);
      expect((await store.sectionHistory(index)).map((h) => h.id)).toEqual(ids);
      await expect(store.history(c1, "not-an-id")).rejects.toThrow();
      await expect(store.sectionHistory(index, "not-an-id")).rejects.toThrow();
    });

    it("sectionHistory returns the index and clauses of that section only, in append order", async () => {
      const store = await useStore();
      const s = fresh();
      const main = `${s}/main`;
      const batch = [
        rec(`${s}/main2`, [1]),
        rec(`${main}/c1`, [2]),
        rec(main, [3], SERVER),
        rec(`${s}/main2/c1`, [4]),
        rec(`${s}x/main`, [5]),
        rec(`${s}x/main/c1`, [6]),
        rec(`${main}/c2`, [7]),
        rec(`${s}/other/main`, [8]),
        rec(`${main}/c1`, [9], SERVER, AT + 9),
      ];
      const ids = accepted(await store.append(batch.slice(0, 5)));
      ids.push(...accepted(await store.append(batch.slice(5))));
      const mine = [1, 2, 6, 8];
      expect((await store.sectionHistory(main)).map(summary)).toEqual(
        mine.map((i) => ({ ...batch[i], update: Array.from(batch[i]?.update ?? []), id: ids[i] })),
      );
      expect((await store.sectionHistory(`${s}/main2`)).map((h) => h.id)).toEqual([ids[0], ids[3]]);
      expect((await store.sectionHistory(`${s}/other`)).map((h) => h.doc)).toEqual([`${s}/other/main`]);
      expect(await store.sectionHistory(`${s}/main3`)).toEqual([]);
      await expect(store.sectionHistory(`${main}/c1`)).rejects.toThrow();
      await expect(store.sectionHistory(s)).rejects.toThrow();
      await expect(store.sectionHistory("Bad/Key")).rejects.toThrow();
    });

    it("position is the id of the last record appended to the section", async () => {
      const store = await useStore();
      const s = fresh();
      const index = `${s}/operative`;
      const c1 = `${s}/operative/c1`;
      expect(await store.position(index)).toBeNull();
      const ids = accepted(await store.append([rec(c1, [1]), rec(index, [2]), rec(`${s}/operative2/c1`, [3])]));
      expect(await store.position(index)).toBe(ids[1]);
      expect(await store.position(`${s}/operative2`)).toBe(ids[2]);
      const [c1Id, lockId] = accepted(await store.append([rec(c1, [4]), lockRec(index, c1)]));
      expect(await store.position(index)).toBe(lockId);
      expect(compareIds(c1Id ?? "", lockId ?? "")).toBe(-1);
      // A refused record does not move it.
      expect(await store.append([rec(c1, [5])])).toEqual([null]);
      const position = await store.position(index);
      expect(position).toBe(lockId);
      expect(await store.sectionHistory(index, position)).toEqual(await store.sectionHistory(index));
      await expect(store.position(c1)).rejects.toThrow();
      await expect(store.position("Bad")).rejects.toThrow();
    });

    it("positions reads the positions of several sections together, null for a section with nothing", async () => {
      const store = await useStore();
      const s = fresh();
      const ids = accepted(await store.append([rec(`${s}/a/c1`, [1]), rec(`${s}/b`, [2]), rec(`${s}/a`, [3])]));
      expect(await store.positions([`${s}/a`, `${s}/b`, `${s}/c`])).toEqual({
        [`${s}/a`]: ids[2],
        [`${s}/b`]: ids[1],
        [`${s}/c`]: null,
      });
      expect(await store.positions([])).toEqual({});
      await expect(store.positions([`${s}/a/c1`])).rejects.toThrow();
    });

    it("saves revisions once per label and session, gets and lists them by time then label", async () => {
      const store = await useStore();
      const s = fresh();
      const other = fresh();
      const [id] = accepted(await store.append([rec(`${s}/preamble`, [1])]));
      const positions = { [`${s}/preamble`]: await store.position(`${s}/preamble`), [`${s}/operative`]: null };
      expect(positions[`${s}/preamble`]).toBe(id);
      const rev1 = revision("Rev.1", AT + 2, positions);
      const rev2 = revision("Rev.2", AT + 1, {});
      const rev0 = revision("Rev.0", AT + 2, { [`${s}/preamble`]: null });
      expect(await store.saveRevision(s, rev1)).toBe(true);
      expect(await store.saveRevision(s, rev2)).toBe(true);
      expect(await store.saveRevision(s, rev0)).toBe(true);
      expect(await store.saveRevision(s, revision("Rev.1", AT + 9, {}))).toBe(false);
      expect(await store.saveRevision(other, revision("Rev.1", AT + 9, {}))).toBe(true);

      expect(await store.getRevision(s, "Rev.1")).toEqual(rev1);
      expect(await store.getRevision(s, "Rev.9")).toBeNull();
      expect(await store.getRevision(fresh(), "Rev.1")).toBeNull();
      expect(await store.listRevisions(s)).toEqual([rev2, rev0, rev1]);
      expect((await store.listRevisions(other)).map((r) => r.at)).toEqual([AT + 9]);
      expect(await store.listRevisions(fresh())).toEqual([]);
      await expect(store.saveRevision("Bad/Session", rev1)).rejects.toThrow();
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
      const ids = await before.append([rec(doc, [1, 2]), { ...rec(doc, [3], SERVER, AT + 5), command: "{}" }]);
      await before.saveSnapshot(doc, Uint8Array.from([42]), ids[0] ?? "");
      await before.createSession(session(sessionId, 5));
      const rev = revision("Rev.1", AT, { [doc.split("/").slice(0, 2).join("/")]: ids[1] ?? null });
      expect(await before.saveRevision(sessionId, rev)).toBe(true);
      await before.close();

      const after = await useStore();
      const log = await after.load(doc);
      expect(Array.from(log.snapshot ?? [])).toEqual([42]);
      expect(plain(log.updates)).toEqual([[3]]);
      expect(log.head).toBe(ids[1]);
      expect((await after.history(doc)).map((h) => h.id)).toEqual(ids);
      expect((await after.history(doc)).map((h) => h.command)).toEqual([undefined, "{}"]);
      expect(await after.getSession(sessionId)).toEqual(session(sessionId, 5));
      expect(await after.getRevision(sessionId, "Rev.1")).toEqual(rev);
      const [next] = await after.append([rec(doc, [4])]);
      expectIncreasing([ids[1] ?? "", next ?? ""]);
    });

    it("a conditional record is appended only on its document's expected head; else nothing of the batch is written", async () => {
      const store = await useStore();
      const other = await useStore();
      const s = fresh();
      const index = `${s}/operative`;
      const clause = `${s}/operative/c1`;
      const [first] = accepted(await store.append([{ ...rec(index, [1]), expectHead: null }]));
      // Another node moved the index on: a record expecting the old head fails, with its companion.
      const [second] = accepted(await other.append([{ ...rec(index, [2]), expectHead: first ?? "" }]));
      await expect(store.append([rec(clause, [9]), { ...rec(index, [3]), expectHead: first ?? "" }])).rejects.toThrow(
        StoreConflictError,
      );
      await expect(store.append([{ ...rec(index, [4]), expectHead: null }])).rejects.toThrow(StoreConflictError);
      expect((await store.load(clause)).updates).toEqual([]);
      expect(plain((await store.history(index)).map((h) => h.update))).toEqual([[1], [2]]);
      // Read again, decided again: accepted on the current head.
      accepted(await store.append([rec(clause, [9]), { ...rec(index, [3]), expectHead: second ?? "" }]));
      expect(plain((await store.history(index)).map((h) => h.update))).toEqual([[1], [2], [3]]);
    });

    it("a snapshot never replaces one covering a later head", async () => {
      const store = await useStore();
      const doc = `${fresh()}/operative/c1`;
      const ids = accepted(await store.append([rec(doc, [1]), rec(doc, [2]), rec(doc, [3])]));
      await store.saveSnapshot(doc, Uint8Array.of(0xbb), ids[1] ?? "");
      await store.saveSnapshot(doc, Uint8Array.of(0xaa), ids[0] ?? "");
      const log = await store.load(doc);
      expect(plain([log.snapshot ?? new Uint8Array()])).toEqual([[0xbb]]);
      expect(plain(log.updates)).toEqual([[3]]);
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

// Redis Cluster: three masters of our own (issue 10); every section's keys share one slot.
const clusterPrefix = testPrefix("store-contract-cluster");
let cluster: Promise<RedisCluster> | null = null;
function clusterOnce(): Promise<RedisCluster> {
  cluster ??= startRedisCluster(3);
  return cluster;
}
describeStoreContract(
  "redis cluster",
  async () => openRedisStore({ clusterNodes: (await clusterOnce()).nodes, prefix: clusterPrefix }),
  async () => {
    if (cluster !== null) await (await cluster).stop();
  },
);
