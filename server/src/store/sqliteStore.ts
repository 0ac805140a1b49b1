import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseDocName, type Role } from "@gavel/model";
import Database from "better-sqlite3";
import type { DocLog, SessionRecord, Store, StoredUpdate, UpdateRecord } from "./Store.ts";

/**
 * SQLite backend. One file, WAL journal, `synchronous = FULL`: a resolved `append` survives a
 * crash or power loss. better-sqlite3 is synchronous, so every method does its work before
 * returning its (already settled) promise; group commit comes from callers passing many
 * records to one `append`, which is one transaction and one fsync.
 *
 * Ids are the `updates.seq` values as decimal strings: global, so also increasing per section.
 */
export interface SqliteStore extends Store {
  readonly file: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  doc TEXT NOT NULL,
  "update" BLOB NOT NULL,
  sub TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  delegation TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_doc_seq ON updates (doc, seq);
CREATE TABLE IF NOT EXISTS snapshots (
  doc TEXT PRIMARY KEY,
  state BLOB NOT NULL,
  head INTEGER NOT NULL
);
`;

interface UpdateRow {
  seq: number;
  doc: string;
  update: Buffer;
  sub: string;
  name: string;
  role: string;
  delegation: string | null;
  at: number;
}

function checkDoc(doc: string): void {
  const parsed = parseDocName(doc);
  if (!parsed.ok) throw new Error(`invalid document name ${JSON.stringify(doc)}: ${parsed.reason}`);
}

function parseSeq(id: string): number {
  const seq = Number(id);
  if (!/^[1-9][0-9]*$/.test(id) || !Number.isSafeInteger(seq))
    throw new Error(`invalid update id ${JSON.stringify(id)}`);
  return seq;
}

/** A plain Uint8Array that owns its bytes (not a Buffer view). */
function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

export function openSqliteStore(options: { file: string }): SqliteStore {
  mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw error;
  }

  const insertUpdate = db.prepare<[string, Buffer, string, string, string, string | null, number]>(
    `INSERT INTO updates (doc, "update", sub, name, role, delegation, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectSnapshot = db.prepare<[string], { state: Buffer; head: number }>(
    "SELECT state, head FROM snapshots WHERE doc = ?",
  );
  const selectAfter = db.prepare<[string, number], { seq: number; update: Buffer }>(
    `SELECT seq, "update" FROM updates WHERE doc = ? AND seq > ? ORDER BY seq`,
  );
  const selectHistory = db.prepare<[string], UpdateRow>(
    `SELECT seq, doc, "update", sub, name, role, delegation, at FROM updates WHERE doc = ? ORDER BY seq`,
  );
  const upsertSnapshot = db.prepare<[string, Buffer, number]>(
    "INSERT INTO snapshots (doc, state, head) VALUES (?, ?, ?) ON CONFLICT (doc) DO UPDATE SET state = excluded.state, head = excluded.head",
  );
  const insertSession = db.prepare<[string, string]>("INSERT OR IGNORE INTO sessions (id, record) VALUES (?, ?)");
  const selectSession = db.prepare<[string], { record: string }>("SELECT record FROM sessions WHERE id = ?");
  const selectSessions = db.prepare<[], { record: string }>("SELECT record FROM sessions");

  const appendAll = db.transaction((records: readonly UpdateRecord[]): string[] =>
    records.map((r) => {
      const update = Buffer.from(r.update.buffer, r.update.byteOffset, r.update.byteLength);
      const { sub, name, role, delegation } = r.author;
      return String(insertUpdate.run(r.doc, update, sub, name, role, delegation, r.at).lastInsertRowid);
    }),
  );

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

  return {
    file: options.file,
    async append(records) {
      for (const r of records) checkDoc(r.doc);
      if (records.length === 0) return [];
      return appendAll.immediate(records);
    },
    async load(doc) {
      checkDoc(doc);
      return loadAll(doc);
    },
    async saveSnapshot(doc, state, head) {
      checkDoc(doc);
      const buf = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
      upsertSnapshot.run(doc, buf, parseSeq(head));
    },
    async history(doc) {
      checkDoc(doc);
      return selectHistory.all(doc).map(
        (row): StoredUpdate => ({
          id: String(row.seq),
          doc: row.doc,
          update: bytes(row.update),
          author: { sub: row.sub, name: row.name, role: row.role as Role | "server", delegation: row.delegation },
          at: row.at,
        }),
      );
    },
    async createSession(session) {
      return insertSession.run(session.id, JSON.stringify(session)).changes === 1;
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
      if (db.open) db.close();
    },
  };
}

/** Oldest first, ties by id (the Redis store sorts the same way). */
function sortSessions(sessions: SessionRecord[]): SessionRecord[] {
  return sessions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
