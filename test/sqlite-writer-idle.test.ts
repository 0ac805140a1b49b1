import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { UpdateRecord } from "../server/src/store/Store.ts";
import { openSqliteStore } from "../server/src/store/sqliteStore.ts";
import { type AppendRow, SqliteWriter } from "../server/src/store/sqliteWriter.ts";
import { waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const DOC = "demo/implementation/c1";
const author = { sub: "d-1", name: "D", role: "delegate" as const, delegation: "AFR" };
const record = (n: number): UpdateRecord => ({ doc: DOC, update: Uint8Array.of(n & 0xff, n >> 8), author, at: n });

describe("the SQLite writer thread starts on a write and stops when idle", () => {
  it("no thread before the first write; it stops after the idle time and the next write starts another, in order", async () => {
    const store = openSqliteStore({ file: join(tempDir("writer-idle-"), "gavel.sqlite"), writerIdleMs: 20 });
    try {
      expect(store.writerRunning).toBe(false);
      const [first] = await store.append([record(1)]);
      expect(store.writerRunning).toBe(true);
      await waitUntil(() => !store.writerRunning, "the idle writer thread stops");
      const [second] = await store.append([record(2)]);
      expect(store.writerRunning).toBe(true);
      expect(Number(second)).toBeGreaterThan(Number(first));
      const history = await store.history(DOC);
      expect(history.map((u) => u.at)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });

  it("writes that straddle a thread's retirement keep their order, and none is lost", async () => {
    const store = openSqliteStore({ file: join(tempDir("writer-idle-"), "gavel.sqlite"), writerIdleMs: 1 });
    try {
      const ids: number[] = [];
      let restarts = 0;
      for (let n = 1; n <= 60; n++) {
        // Now and then the thread is let go idle; the next writes start a new one.
        if (n % 10 === 0) {
          await waitUntil(() => !store.writerRunning, "the idle writer thread stops");
          restarts += 1;
        }
        // Two writes at once, without waiting: the second is queued behind the first.
        const [a, b] = await Promise.all([store.append([record(2 * n)]), store.append([record(2 * n + 1)])]);
        ids.push(Number(a?.[0]), Number(b?.[0]));
      }
      expect(restarts).toBe(6);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      const history = await store.history(DOC);
      expect(history.map((u) => u.at)).toEqual(Array.from({ length: 120 }, (_, i) => i + 2));
    } finally {
      await store.close();
    }
  });

  it("a store closed while its idle thread is closing closes cleanly and refuses later writes", async () => {
    const file = join(tempDir("writer-idle-"), "gavel.sqlite");
    const store = openSqliteStore({ file, writerIdleMs: 1 });
    await store.append([record(1)]);
    await waitUntil(() => !store.writerRunning, "the idle writer thread stops");
    await store.close();
    await expect(store.append([record(2)])).rejects.toThrow(/closed/);
    const again = openSqliteStore({ file });
    try {
      expect((await again.history(DOC)).map((u) => u.at)).toEqual([1]);
    } finally {
      await again.close();
    }
  });

  it("with an idle time of 0 the thread never stops", async () => {
    const store = openSqliteStore({ file: join(tempDir("writer-idle-"), "gavel.sqlite"), writerIdleMs: 0 });
    try {
      await store.append([record(1)]);
      // Longer than every idle time above; a bounded wait that must not see the thread stop.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(store.writerRunning).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("a write sent while the store closes is refused, and no thread is left running; two closes wait for the same shutdown", async () => {
    const store = openSqliteStore({ file: join(tempDir("writer-idle-"), "gavel.sqlite") });
    await store.append([record(1)]);
    const first = store.close();
    const late = store.append([record(2)]);
    const second = store.close();
    await expect(late).rejects.toThrow(/closed/);
    await Promise.all([first, second]);
    expect(store.writerRunning).toBe(false);
  });

  it("a writer thread that dies fails the write it holds, and the next write starts another thread", async () => {
    const file = join(tempDir("writer-idle-"), "gavel.sqlite");
    const store = openSqliteStore({ file });
    const writer = new SqliteWriter(file, 0);
    const row = (n: number): AppendRow => [
      DOC,
      "demo/implementation",
      Uint8Array.of(n),
      "d-1",
      "D",
      "delegate",
      "AFR",
      n,
      null,
      "",
      "",
      null,
    ];
    try {
      const held = writer.write({ op: "append", rows: [row(1)] });
      // The thread dies under the write (as an out-of-memory exit would).
      const thread = (writer as unknown as { thread: { worker: Worker } | null }).thread;
      if (!thread) throw new Error("no writer thread after a write");
      void thread.worker.terminate();
      await expect(held).rejects.toThrow(/exited/);
      expect(writer.running).toBe(false);
      await expect(writer.write({ op: "append", rows: [row(2)] })).resolves.toHaveLength(1);
      expect((await store.history(DOC)).map((u) => u.at)).toContain(2);
    } finally {
      await writer.close();
      await store.close();
    }
  });
});
