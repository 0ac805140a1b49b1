import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished } from "vitest";
import { tempDir } from "../../test/support/tmp.ts";
import { GroupCommit } from "../src/core/GroupCommit.ts";
import type { Store, UpdateAuthor, UpdateRecord } from "../src/store/Store.ts";
import { openSqliteStore, type SqliteStore } from "../src/store/sqliteStore.ts";

const ANA: UpdateAuthor = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr" };
const DOC = "s1/main/c1";

function record(n: number, doc = DOC): UpdateRecord {
  return { doc, update: Uint8Array.of(n), author: ANA, at: 1_700_000_000_000 + n };
}

/**
 * The real SQLite store, observed: append delegates to it, and records each batch's size.
 * `gate` (when set) holds an append until it is opened; `failNext` makes the next append throw.
 */
interface Observed {
  readonly real: SqliteStore;
  readonly store: Store;
  readonly batches: number[][];
  gate: Promise<void> | null;
  failNext: Error | null;
}

function observedStore(): Observed {
  const dir = tempDir("gavel-groupcommit");
  const real = openSqliteStore({ file: join(dir, "gavel.db") });
  onTestFinished(async () => {
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const observed: Observed = {
    real,
    batches: [],
    gate: null,
    failNext: null,
    store: {
      ...real,
      async append(records) {
        observed.batches.push(records.map((r) => r.update[0] ?? -1));
        if (observed.gate) await observed.gate;
        const failure = observed.failNext;
        if (failure) {
          observed.failNext = null;
          throw failure;
        }
        return real.append(records);
      },
    },
  };
  return observed;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Yields `n` turns of the event loop (setImmediate, no timers). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Yields to the event loop until `condition` holds, at most `limit` turns (no timers). */
async function turnsUntil(condition: () => boolean, limit = 1000): Promise<void> {
  for (let i = 0; i < limit && !condition(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe("GroupCommit over the SQLite store", () => {
  it("sends records submitted in the same tick in one append", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => commit.submit(record(n))));
    expect(o.batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(ids).toHaveLength(5);
  });

  it("resolves ids in submission order, matching the store's history", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const resolved: number[] = [];
    const ids = await Promise.all(
      [3, 1, 4, 1, 5, 9, 2, 6].map((n, i) =>
        commit.submit(record(n, i % 2 === 0 ? DOC : "s1/main/c2")).then((id) => {
          resolved.push(i);
          return id;
        }),
      ),
    );
    expect(resolved).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    const history = [...(await o.real.history(DOC)), ...(await o.real.history("s1/main/c2"))].sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    expect(history.map((h) => h.id)).toEqual(ids);
    expect(history.map((h) => h.update[0])).toEqual([3, 1, 4, 1, 5, 9, 2, 6]);
    expect(history.map((h) => h.doc)).toEqual(ids.map((_, i) => (i % 2 === 0 ? DOC : "s1/main/c2")));
  });

  it("groups records submitted while an append is in flight into the next append", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const gate = deferred();
    o.gate = gate.promise;
    const first = commit.submit(record(1));
    await turnsUntil(() => o.batches.length === 1);
    const later = [2, 3, 4].map((n) => commit.submit(record(n)));
    gate.resolve();
    o.gate = null;
    const ids = await Promise.all([first, ...later]);
    expect(o.batches).toEqual([[1], [2, 3, 4]]);
    expect(ids.map(Number)).toEqual([1, 2, 3, 4].map((n) => Number(ids[0]) + n - 1));
  });

  it("reports each batch's duration and size to the observer", async () => {
    const o = observedStore();
    const observations: [number, number][] = [];
    const commit = new GroupCommit(o.store, {
      appended: (seconds, records) => observations.push([seconds, records]),
    });
    await Promise.all([1, 2, 3].map((n) => commit.submit(record(n))));
    expect(observations).toHaveLength(1);
    expect(observations[0]?.[1]).toBe(3);
    expect(observations[0]?.[0]).toBeGreaterThanOrEqual(0);
  });

  it("rejects every record of a failing batch, and later submissions still work", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const failure = new Error("disk on fire");
    o.failNext = failure;
    const failed = await Promise.allSettled([1, 2, 3].map((n) => commit.submit(record(n))));
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    for (const r of failed) if (r.status === "rejected") expect(r.reason).toBe(failure);
    expect(await o.real.history(DOC)).toEqual([]);

    const ids = await Promise.all([4, 5].map((n) => commit.submit(record(n))));
    const history = await o.real.history(DOC);
    expect(history.map((h) => h.id)).toEqual(ids);
    expect(history.map((h) => h.update[0])).toEqual([4, 5]);
    expect(o.batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("fails the records queued behind a failing batch too (they may build on it); later ones work", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const gate = deferred();
    o.gate = gate.promise;
    o.failNext = new Error("transient");
    const first = commit.submit(record(1));
    await turnsUntil(() => o.batches.length === 1);
    const second = commit.submit(record(2));
    gate.resolve();
    o.gate = null;
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a?.status).toBe("rejected");
    expect(b?.status).toBe("rejected");
    expect(await o.real.history(DOC)).toEqual([]);
    await expect(commit.submit(record(3))).resolves.toMatch(/^[1-9][0-9]*$/);
    expect((await o.real.history(DOC)).map((h) => h.update[0])).toEqual([3]);
  });

  it("rejects the whole batch, storing none of it, when the real store refuses one record", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const results = await Promise.allSettled([
      commit.submit(record(1)),
      commit.submit(record(2, "Not/A/Valid/Name")),
      commit.submit(record(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await o.real.history(DOC)).toEqual([]);
    await expect(commit.submit(record(4))).resolves.toMatch(/^[1-9][0-9]*$/);
  });

  it("rejects submissions once the store is closed, and never hangs", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    await o.real.close();
    await expect(commit.submit(record(1))).rejects.toThrow();
    await commit.drained();
  });

  it("drained() resolves at once when idle", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    let done = false;
    void commit.drained().then(() => {
      done = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it("drained() resolves only after the last batch, including batches queued while it waited", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    const gate = deferred();
    o.gate = gate.promise;
    const settled: number[] = [];
    const track = (n: number) =>
      commit.submit(record(n)).then(
        () => settled.push(n),
        () => settled.push(-n),
      );
    void track(1);
    await turnsUntil(() => o.batches.length === 1);
    let drained = false;
    const drainedPromise = commit.drained().then(() => {
      drained = true;
    });
    void track(2);
    void track(3);
    await turns(5);
    expect(drained).toBe(false);
    gate.resolve();
    o.gate = null;
    await drainedPromise;
    expect(settled).toEqual([1, 2, 3]);
    expect(o.batches).toEqual([[1], [2, 3]]);
    expect((await o.real.history(DOC)).map((h) => h.update[0])).toEqual([1, 2, 3]);
  });

  it("cuts a burst into batches within the limits, never splitting a group", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store, {}, { maxRecords: 4, maxBytes: 1_000 });
    const singles = [1, 2, 3].map((n) => commit.submit(record(n)));
    const group = commit.submitGroup([4, 5, 6].map((n) => record(n)));
    const rest = [7, 8].map((n) => commit.submit(record(n)));
    await Promise.all([...singles, group, ...rest]);
    expect(o.batches).toEqual([[1, 2, 3], [4, 5, 6, 7], [8]]);
  });

  it("sends a group larger than the limits as one batch of its own", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store, {}, { maxRecords: 2, maxBytes: 1_000 });
    const ids = await Promise.all([commit.submit(record(1)), commit.submitGroup([2, 3, 4].map((n) => record(n)))]);
    expect(o.batches).toEqual([[1], [2, 3, 4]]);
    expect(ids.flat()).toHaveLength(4);
  });

  it("tells the observer of a failed batch and how many records it failed", async () => {
    const o = observedStore();
    const failures: [unknown, number][] = [];
    const commit = new GroupCommit(o.store, { failed: (error, records) => failures.push([error, records]) });
    const failure = new Error("disk on fire");
    o.failNext = failure;
    await Promise.allSettled([1, 2].map((n) => commit.submit(record(n))));
    expect(failures).toEqual([[failure, 2]]);
  });

  it("with the SQLite store, batches the records that arrive while an append is in flight", async () => {
    const o = observedStore();
    const commit = new GroupCommit(o.store);
    // Another connection holds the write lock: the append waits in the writer thread (busy
    // timeout), and the event loop must go on meanwhile (a synchronous append would block it).
    const blocker = new Database(o.real.file);
    onTestFinished(() => {
      blocker.close();
    });
    blocker.exec("BEGIN IMMEDIATE");
    let firstStored = false;
    const first = commit.submit(record(1)).then((id) => {
      firstStored = true;
      return id;
    });
    await turnsUntil(() => o.batches.length === 1);
    const later = [2, 3, 4].map((n) => commit.submit(record(n)));
    await turns(10);
    expect(firstStored).toBe(false);
    expect(o.batches).toEqual([[1]]);
    blocker.exec("COMMIT");
    await Promise.all([first, ...later]);
    expect(o.batches).toEqual([[1], [2, 3, 4]]);
    expect((await o.real.history(DOC)).map((h) => h.update[0])).toEqual([1, 2, 3, 4]);
  });
});
