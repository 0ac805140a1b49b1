import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import * as encoding from "lib0/encoding";
import { StoreConflictError } from "./Store.ts";

/**
 * One record to append: [doc, section, update, sub, name, role, delegation, at, command, lock
 * effect, lock target, expected head (seq; 0: none yet; null: unconditional)].
 */
export type AppendRow = readonly [
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
];

/** One write, as the writer thread receives it. */
export type WriteOp =
  | { readonly op: "append"; readonly rows: readonly AppendRow[] }
  | { readonly op: "snapshot"; readonly doc: string; readonly state: Uint8Array; readonly head: number }
  | { readonly op: "revision"; readonly session: string; readonly label: string; readonly json: string }
  | { readonly op: "session"; readonly id: string; readonly record: string };

/**
 * A batch as one buffer, moved (not copied) to the writer thread: cloning a structure per
 * record cost more than the append itself. Nullable strings carry a presence flag.
 */
function encodeRows(rows: readonly AppendRow[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, rows.length);
  for (const [doc, section, update, sub, name, role, delegation, at, command, effect, target, expect] of rows) {
    for (const text of [doc, section, sub, name, role]) encoding.writeVarString(e, text);
    encoding.writeVarUint8Array(e, update);
    encoding.writeUint8(e, delegation === null ? 0 : 1);
    encoding.writeVarString(e, delegation ?? "");
    encoding.writeFloat64(e, at);
    encoding.writeUint8(e, command === null ? 0 : 1);
    encoding.writeVarString(e, command ?? "");
    encoding.writeVarString(e, effect);
    encoding.writeVarString(e, target);
    encoding.writeUint8(e, expect === null ? 0 : 1);
    encoding.writeFloat64(e, expect ?? 0);
  }
  return encoding.toUint8Array(e);
}

/**
 * The writer thread: its own connection to the file, the same pragmas, one transaction per
 * message. Plain JavaScript run with `eval`, so it works alike from source (tsx, vitest) and
 * from the bundle. A row is [doc, section, update, sub, name, role, delegation, at, command,
 * lock effect ("lock", "unlock" or ""), lock target].
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
const d = require(workerData.decoding);
const buf = (u) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
function decodeRows(bytes) {
  const r = d.createDecoder(bytes);
  const rows = [];
  for (let n = d.readVarUint(r); n > 0; n--) {
    const doc = d.readVarString(r), section = d.readVarString(r), sub = d.readVarString(r);
    const name = d.readVarString(r), role = d.readVarString(r), update = d.readVarUint8Array(r);
    const hasDelegation = d.readUint8(r) === 1, delegation = d.readVarString(r);
    const at = d.readFloat64(r);
    const hasCommand = d.readUint8(r) === 1, command = d.readVarString(r);
    const effect = d.readVarString(r), target = d.readVarString(r);
    const hasExpect = d.readUint8(r) === 1, expect = d.readFloat64(r);
    rows.push([doc, section, update, sub, name, role, hasDelegation ? delegation : null, at, hasCommand ? command : null, effect, target, hasExpect ? expect : null]);
  }
  return rows;
}
// In order: a record for a locked document is refused (null); an appended record's lock
// effect applies before the next record is looked at.
// A conditional record whose document moved on fails the whole batch first, unwritten.
const appendAll = db.transaction((rows) => {
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
  append: (m) => appendAll.immediate(decodeRows(m.rows)),
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

/** One writer thread and the writes it has not answered yet. */
interface Thread {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiter>;
  /** Asked to close because nothing came for a while: its exit is expected. */
  retiring: boolean;
}

/** Default for `idleMs`: a thread idle this long is stopped, and started again on the next write. */
export const WRITER_IDLE_MS = 30_000;

/**
 * Durable writes off the event loop: a worker thread runs each write (one transaction, one
 * fsync) while the main thread keeps serving. Writes run in the order they were sent.
 *
 * The thread is started on the first write and stopped once no write has come for `idleMs`
 * (0: never stopped): a thread holds its own V8 heap and connection (stopping one gave back 7 MB at once), which an idle server does
 * not need. Every write it was sent has been answered before it is asked to close, so a thread
 * started for the next write never overtakes one. A thread that fails or exits unexpectedly
 * fails the writes it holds (the group commit fails what was queued behind them) and the next
 * write starts another. While nothing is in flight no thread keeps the process alive.
 */
export class SqliteWriter {
  private thread: Thread | null = null;
  private next = 0;
  /** Set when `close` starts: every later write is refused. */
  private closed: Error | null = null;
  private closing: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Threads asked to close, until they have exited. */
  private readonly retiring = new Set<Promise<void>>();
  private readonly driver: string;
  private readonly decoding: string;

  constructor(
    private readonly file: string,
    private readonly idleMs: number = WRITER_IDLE_MS,
  ) {
    const require = createRequire(import.meta.url);
    this.driver = require.resolve("better-sqlite3");
    this.decoding = require.resolve("lib0/decoding");
  }

  /** Whether a writer thread is running (tests; a thread starts on the first write). */
  get running(): boolean {
    return this.thread !== null;
  }

  write<T>(write: WriteOp): Promise<T> {
    if (write.op !== "append") return this.send(write) as Promise<T>;
    const rows = encodeRows(write.rows);
    return this.send({ op: "append", rows }, [rows.buffer as ArrayBuffer]) as Promise<T>;
  }

  /**
   * Refuses every later write at once, waits for the writes already sent, then closes the
   * writer's connection and thread (and waits for idle ones still closing).
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = new Error("the SQLite store is closed");
    this.clearIdle();
    const thread = this.thread;
    this.thread = null;
    if (thread) {
      thread.retiring = true;
      // Answered after every write sent before it (one thread, in order).
      await this.post(thread, "close").catch(() => undefined);
      await thread.worker.terminate();
    }
    await Promise.all(this.retiring);
  }

  private start(): Thread {
    // A small heap: the thread holds a connection and one batch at a time.
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { file: this.file, driver: this.driver, decoding: this.decoding },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
    worker.unref();
    const thread: Thread = { worker, waiting: new Map(), retiring: false };
    worker.on("message", (reply: Reply) => this.settle(thread, reply));
    worker.on("error", (error) => this.fail(thread, error));
    worker.on("exit", (code) => this.fail(thread, new Error(`the SQLite writer thread exited (${code})`)));
    return thread;
  }

  private send(
    write: WriteOp | { readonly op: "append"; readonly rows: Uint8Array },
    transfer: ArrayBuffer[] = [],
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    this.clearIdle();
    this.thread ??= this.start();
    return this.post(this.thread, write, transfer);
  }

  private post(
    thread: Thread,
    write: WriteOp | { readonly op: "append"; readonly rows: Uint8Array } | "close",
    transfer: ArrayBuffer[] = [],
  ): Promise<unknown> {
    const n = this.next++;
    if (thread.waiting.size === 0) thread.worker.ref();
    return new Promise((resolve, reject) => {
      thread.waiting.set(n, { resolve, reject });
      thread.worker.postMessage({ n, write }, transfer);
    });
  }

  private settle(thread: Thread, reply: Reply): void {
    const waiter = thread.waiting.get(reply.n);
    if (!waiter) return;
    thread.waiting.delete(reply.n);
    if (thread.waiting.size === 0) {
      thread.worker.unref();
      if (thread === this.thread) this.armIdle();
    }
    if (reply.ok) waiter.resolve(reply.result);
    else if (reply.code === "GAVEL_CONFLICT") waiter.reject(new StoreConflictError(reply.doc ?? "a document"));
    else waiter.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
  }

  private armIdle(): void {
    if (this.idleMs <= 0 || this.closed) return;
    this.clearIdle();
    this.idleTimer = setTimeout(() => this.retire(), this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Stops the idle thread: every write it was sent is answered; the next write starts another. */
  private retire(): void {
    this.idleTimer = null;
    const thread = this.thread;
    if (!thread || thread.waiting.size > 0) return;
    this.thread = null;
    thread.retiring = true;
    const done = this.post(thread, "close")
      .catch(() => undefined)
      .then(() => thread.worker.terminate())
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }

  /**
   * A thread failed or exited. Unexpectedly: the writes it holds fail (their callers drop what
   * they applied), and the next write starts another thread. A retiring thread had answered
   * every write; only its close is left, and that is not waited for.
   */
  private fail(thread: Thread, error: Error): void {
    for (const waiter of thread.waiting.values()) waiter.reject(error);
    thread.waiting.clear();
    if (thread.retiring || thread !== this.thread) return;
    this.thread = null;
    this.clearIdle();
    void thread.worker.terminate().catch(() => undefined);
  }
}
