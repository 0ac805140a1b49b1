import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { isValidSegment, type Role } from "@gavel/model";
import Database from "better-sqlite3";
import { checkDoc, checkSectionKey, sectionOf } from "./docNames.ts";
import type {
  DocLog,
  RevisionRecord,
  SessionRecord,
  Store,
  StoredUpdate,
  UpdateAuthor,
  UpdateRecord,
} from "./Store.ts";
import { SqliteWriter } from "./sqliteWriter.ts";

/**
 * SQLite backend. One file, WAL journal, `synchronous = FULL`: a resolved `append` survives a
 * crash or power loss. Writes run in a worker thread (sqliteWriter.ts), one transaction and
 * one fsync per call, while the event loop goes on; the thread stops while no write comes.
 * Reads run here, synchronously. Group
 * commit comes from callers passing many records to one `append`.
 *
 * Ids are the `updates.seq` values as decimal strings: global, so also increasing per section.
 * The locked clauses live in `locks`; `append` checks and changes them inside its `BEGIN
 * IMMEDIATE` transaction, so every connection to the file (every node) sees one order.
 */
export interface SqliteStore extends Store {
  readonly file: string;
  /** Whether the writer thread is running (it starts on a write and stops when idle). */
  readonly writerRunning: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  doc TEXT NOT NULL,
  section TEXT NOT NULL,
  "update" BLOB NOT NULL,
  sub TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  delegation TEXT,
  at INTEGER NOT NULL,
  command TEXT
);
CREATE INDEX IF NOT EXISTS updates_doc_seq ON updates (doc, seq);
CREATE INDEX IF NOT EXISTS updates_section_seq ON updates (section, seq);
CREATE TABLE IF NOT EXISTS snapshots (
  doc TEXT PRIMARY KEY,
  state BLOB NOT NULL,
  head INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS locks (
  doc TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS revisions (
  session TEXT NOT NULL,
  label TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (session, label)
);
`;

/** Columns the current code needs in `updates` (a file from before them is refused, not migrated). */
const UPDATE_COLUMNS = ["seq", "doc", "section", "update", "sub", "name", "role", "delegation", "at", "command"];

/** Larger than any seq: the `until` of an unbounded history. */
const NO_BOUND = Number.MAX_SAFE_INTEGER;

interface UpdateRow {
  seq: number;
  doc: string;
  update: Buffer;
  sub: string;
  name: string;
  role: string;
  delegation: string | null;
  at: number;
  command: string | null;
}

const ROW_COLUMNS = `seq, doc, "update", sub, name, role, delegation, at, command`;

function checkRecord(record: UpdateRecord): string {
  const section = sectionOf(record.doc);
  const effect = record.lockEffect;
  if (effect !== undefined) {
    if (effect.type !== "lock" && effect.type !== "unlock")
      throw new Error(`invalid lock effect ${JSON.stringify(effect.type)}`);
    if (checkDoc(effect.target).kind !== "clause")
      throw new Error(`invalid lock target ${JSON.stringify(effect.target)}: only clause documents can be locked`);
  }
  return section;
}

function checkSession(session: string): void {
  if (!isValidSegment(session)) throw new Error(`invalid session id ${JSON.stringify(session)}`);
}

function parseSeq(id: string): number {
  const seq = Number(id);
  if (!/^[1-9][0-9]*$/.test(id) || !Number.isSafeInteger(seq))
    throw new Error(`invalid update id ${JSON.stringify(id)}`);
  return seq;
}

function bound(until: string | null | undefined): number {
  return until === null || until === undefined ? NO_BOUND : parseSeq(until);
}

/** A plain Uint8Array that owns its bytes (not a Buffer view). */
function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

function toStored(row: UpdateRow): StoredUpdate {
  const author: UpdateAuthor = {
    sub: row.sub,
    name: row.name,
    role: row.role as Role | "server",
    delegation: row.delegation,
  };
  const stored: StoredUpdate = { id: String(row.seq), doc: row.doc, update: bytes(row.update), author, at: row.at };
  return row.command === null ? stored : { ...stored, command: row.command };
}

export interface SqliteStoreOptions {
  readonly file: string;
  /** The writer thread stops after this long without a write (0: never); see sqliteWriter.ts. */
  readonly writerIdleMs?: number;
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    const existing = (db.pragma("table_info(updates)") as { name: string }[]).map((column) => column.name);
    const missing = UPDATE_COLUMNS.filter((column) => !existing.includes(column));
    if (existing.length > 0 && missing.length > 0)
      throw new Error(`${options.file}: outdated schema (updates lacks ${missing.join(", ")}); start from a new file`);
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }

  const selectLocks = db.prepare<[string, string], { doc: string }>(
    "SELECT doc FROM locks WHERE substr(doc, 1, length(?)) = ? ORDER BY doc",
  );
  const selectSnapshot = db.prepare<[string], { state: Buffer; head: number }>(
    "SELECT state, head FROM snapshots WHERE doc = ?",
  );
  const selectAfter = db.prepare<[string, number], { seq: number; update: Buffer }>(
    `SELECT seq, "update" FROM updates WHERE doc = ? AND seq > ? ORDER BY seq`,
  );
  const selectHistory = db.prepare<[string, number], UpdateRow>(
    `SELECT ${ROW_COLUMNS} FROM updates WHERE doc = ? AND seq <= ? ORDER BY seq`,
  );
  const selectSectionHistory = db.prepare<[string, number], UpdateRow>(
    `SELECT ${ROW_COLUMNS} FROM updates WHERE section = ? AND seq <= ? ORDER BY seq`,
  );
  const selectPosition = db.prepare<[string], { seq: number | null }>(
    "SELECT max(seq) AS seq FROM updates WHERE section = ?",
  );
  const selectRevision = db.prepare<[string, string], { json: string }>(
    "SELECT json FROM revisions WHERE session = ? AND label = ?",
  );
  const selectRevisions = db.prepare<[string], { json: string }>("SELECT json FROM revisions WHERE session = ?");
  const selectSession = db.prepare<[string], { record: string }>("SELECT record FROM sessions WHERE id = ?");
  const selectSessions = db.prepare<[], { record: string }>("SELECT record FROM sessions");

  // One read transaction, so the snapshot and the updates after it are consistent.
  const loadAll = db.transaction((doc: string): DocLog => {
    const snap = selectSnapshot.get(doc);
    const rows = selectAfter.all(doc, snap?.head ?? 0);
    const last = rows[rows.length - 1];
    const head = last !== undefined ? last.seq : snap?.head;
    return {
      snapshot: snap ? bytes(snap.state) : null,
      updates: rows.map((row) => bytes(row.update)),
      head: head === undefined ? null : String(head),
    };
  });
  const selectOne = db.prepare("SELECT 1");
  // Every write goes to its own thread: the fsync never blocks the event loop, and records
  // arriving meanwhile form the next group commit. Reads stay here (WAL: never blocked by it).
  const writer = new SqliteWriter(options.file, options.writerIdleMs);

  return {
    file: options.file,
    get writerRunning() {
      return writer.running;
    },
    async append(records) {
      // Validate the whole batch before writing any of it.
      const rows = records.map((r) => {
        const section = checkRecord(r);
        const { sub, name, role, delegation } = r.author;
        const effect = r.lockEffect;
        return [
          r.doc,
          section,
          r.update,
          sub,
          name,
          role,
          delegation,
          r.at,
          r.command ?? null,
          effect?.type ?? "",
          effect?.target ?? "",
          r.expectHead === undefined ? null : r.expectHead === null ? 0 : parseSeq(r.expectHead),
        ] as const;
      });
      if (rows.length === 0) return [];
      return writer.write<(string | null)[]>({ op: "append", rows });
    },
    async load(doc) {
      checkDoc(doc);
      return loadAll(doc);
    },
    async saveSnapshot(doc, state, head) {
      checkDoc(doc);
      await writer.write<null>({ op: "snapshot", doc, state, head: parseSeq(head) });
    },
    async history(doc, until) {
      checkDoc(doc);
      return selectHistory.all(doc, bound(until)).map(toStored);
    },
    async sectionHistory(sectionKey, until) {
      checkSectionKey(sectionKey);
      return selectSectionHistory.all(sectionKey, bound(until)).map(toStored);
    },
    async position(sectionKey) {
      checkSectionKey(sectionKey);
      const seq = selectPosition.get(sectionKey)?.seq ?? null;
      return seq === null ? null : String(seq);
    },
    async positions(sectionKeys) {
      for (const key of sectionKeys) checkSectionKey(key);
      // One read transaction: every section at the same instant.
      return db.transaction(() => {
        const out: Record<string, string | null> = {};
        for (const key of sectionKeys) {
          const seq = selectPosition.get(key)?.seq ?? null;
          out[key] = seq === null ? null : String(seq);
        }
        return out;
      })();
    },
    async lockedDocs(prefix) {
      return selectLocks.all(prefix, prefix).map((row) => row.doc);
    },
    async saveRevision(session, revision) {
      checkSession(session);
      return writer.write<boolean>({
        op: "revision",
        session,
        label: revision.label,
        json: JSON.stringify(revision),
      });
    },
    async getRevision(session, label) {
      checkSession(session);
      const row = selectRevision.get(session, label);
      return row ? (JSON.parse(row.json) as RevisionRecord) : null;
    },
    async listRevisions(session) {
      checkSession(session);
      return sortRevisions(selectRevisions.all(session).map((row) => JSON.parse(row.json) as RevisionRecord));
    },
    async createSession(session) {
      return writer.write<boolean>({ op: "session", id: session.id, record: JSON.stringify(session) });
    },
    async getSession(id) {
      const row = selectSession.get(id);
      return row ? (JSON.parse(row.record) as SessionRecord) : null;
    },
    async listSessions() {
      return sortSessions(selectSessions.all().map((row) => JSON.parse(row.record) as SessionRecord));
    },
    async ping() {
      selectOne.get();
    },
    async close() {
      await writer.close();
      if (db.open) db.close();
    },
  };
}

/** Oldest first, ties by id (the Redis store sorts the same way). */
function sortSessions(sessions: SessionRecord[]): SessionRecord[] {
  return sessions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Oldest first, ties by label (the Redis store sorts the same way). */
function sortRevisions(revisions: RevisionRecord[]): RevisionRecord[] {
  return revisions.sort((a, b) => a.at - b.at || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
