import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { StoreConflictError } from "./Store.ts";

/** One write, as the writer thread receives it. Updates travel as their own bytes (cloned). */
export type WriteOp =
  | {
      readonly op: "append";
      readonly rows: readonly (readonly [
        string,
        string,
        Uint8Array,
        string,
        string,
        string,
        string | null,
        number,
        string | null,
        string,
        string,
        number | null,
      ])[];
    }
  | { readonly op: "snapshot"; readonly doc: string; readonly state: Uint8Array; readonly head: number }
  | { readonly op: "revision"; readonly session: string; readonly label: string; readonly json: string }
  | { readonly op: "session"; readonly id: string; readonly record: string };

/**
 * The writer thread: its own connection to the file, the same pragmas, one transaction per
 * message. Plain JavaScript run with `eval`, so it works alike from source (tsx, vitest) and
 * from the bundle. A row is [doc, section, update, sub, name, role, delegation, at, command,
 * lock effect ("lock", "unlock" or ""), lock target, expected head (seq, 0 for none yet; null:
 * unconditional)].
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("busy_timeout = 5000");
const insertUpdate = db.prepare('INSERT INTO updates (doc, section, "update", sub, name, role, delegation, at, command) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
const selectLocked = db.prepare("SELECT doc FROM locks WHERE doc = ?");
const insertLock = db.prepare("INSERT OR IGNORE INTO locks (doc) VALUES (?)");
const deleteLock = db.prepare("DELETE FROM locks WHERE doc = ?");
const upsertSnapshot = db.prepare("INSERT INTO snapshots (doc, state, head) VALUES (?, ?, ?) ON CONFLICT (doc) DO UPDATE SET state = excluded.state, head = excluded.head WHERE excluded.head > snapshots.head");
const selectHead = db.prepare("SELECT coalesce(max(seq), 0) AS head FROM updates WHERE doc = ?");
const insertRevision = db.prepare("INSERT OR IGNORE INTO revisions (session, label, json) VALUES (?, ?, ?)");
const insertSession = db.prepare("INSERT OR IGNORE INTO sessions (id, record) VALUES (?, ?)");
const buf = (u) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
// In order: a record for a locked document is refused (null); an appended record's lock
// effect applies before the next record is looked at.
const appendAll = db.transaction((rows) => {
  // Conditional records first: one whose document moved on fails the whole batch, unwritten.
  for (const row of rows) {
    if (row[11] !== null && selectHead.get(row[0]).head !== row[11]) {
      throw Object.assign(new Error("conflict on " + row[0]), { code: "GAVEL_CONFLICT", doc: row[0] });
    }
  }
  return rows.map((row) => {
  if (selectLocked.get(row[0]) !== undefined) return null;
  const { lastInsertRowid } = insertUpdate.run(row[0], row[1], buf(row[2]), row[3], row[4], row[5], row[6], row[7], row[8]);
  if (row[9] === "lock") insertLock.run(row[10]);
  else if (row[9] === "unlock") deleteLock.run(row[10]);
  return String(lastInsertRowid);
  });
});
const run = {
  append: (m) => appendAll.immediate(m.rows),
  snapshot: (m) => { upsertSnapshot.run(m.doc, buf(m.state), m.head); return null; },
  revision: (m) => insertRevision.run(m.session, m.label, m.json).changes === 1,
  session: (m) => insertSession.run(m.id, m.record).changes === 1,
};
parentPort.on("message", ({ n, write }) => {
  if (write === "close") { db.close(); parentPort.postMessage({ n, ok: true, result: null }); return; }
  try {
    parentPort.postMessage({ n, ok: true, result: run[write.op](write) });
  } catch (error) {
    parentPort.postMessage({ n, ok: false, message: String(error && error.message), code: error && error.code, doc: error && error.doc });
  }
});
`;

type Reply =
  | { readonly n: number; readonly ok: true; readonly result: unknown }
  | { readonly n: number; readonly ok: false; readonly message: string; readonly code?: string; readonly doc?: string };

interface Waiter {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Durable writes off the event loop: a worker thread runs each write (one transaction, one
 * fsync) while the main thread keeps serving. Writes run in the order they were sent. While
 * nothing is in flight the thread does not keep the process alive.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private next = 0;
  private dead: Error | null = null;

  constructor(file: string) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { file, driver } });
    this.worker.unref();
    this.worker.on("message", (reply: Reply) => this.settle(reply));
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`the SQLite writer thread exited (${code})`)));
  }

  write<T>(write: WriteOp): Promise<T> {
    return this.send(write) as Promise<T>;
  }

  /** Waits for the writes already sent, then closes the writer's connection and thread. */
  async close(): Promise<void> {
    if (this.dead) return;
    await this.send("close");
    this.dead = new Error("the SQLite store is closed");
    await this.worker.terminate();
  }

  private send(write: WriteOp | "close"): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const n = this.next++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      this.worker.postMessage({ n, write });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.waiting.get(reply.n);
    if (!waiter) return;
    this.waiting.delete(reply.n);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else if (reply.code === "GAVEL_CONFLICT") waiter.reject(new StoreConflictError(reply.doc ?? "a document"));
    else waiter.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
  }

  private fail(error: Error): void {
    this.dead ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
