import type { Role } from "@gavel/model";

/** Who sent an update, kept with it for the audit trail and time travel. */
export interface UpdateAuthor {
  readonly sub: string;
  readonly name: string;
  readonly role: Role | "server";
  readonly delegation: string | null;
}

export interface UpdateRecord {
  /** A validated document name: `SESSION/SECTION` or `SESSION/SECTION/CLAUSE`. */
  readonly doc: string;
  /** A Yjs V1 update. */
  readonly update: Uint8Array;
  readonly author: UpdateAuthor;
  /** Milliseconds since the epoch, when the server accepted it. */
  readonly at: number;
}

export interface StoredUpdate extends UpdateRecord {
  /** Store-assigned position, increasing in append order within a section (opaque string). */
  readonly id: string;
}

export interface DocLog {
  /** The latest compacted state, or null when the document was never compacted. */
  readonly snapshot: Uint8Array | null;
  /** The updates appended after the snapshot, in append order. */
  readonly updates: readonly Uint8Array[];
  /** Id of the last update covered by `snapshot` + `updates`; null when the document has none. */
  readonly head: string | null;
}

export interface SectionRecord {
  readonly id: string;
  readonly title: string;
}

export interface SessionRecord {
  readonly id: string;
  readonly title: string;
  readonly template: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly sections: readonly SectionRecord[];
}

/**
 * Durable storage. One implementation per backend (SQLite, Redis), all passing the same
 * contract suite (test/store.contract.test.ts).
 */
export interface Store {
  /**
   * Appends the records atomically and in order; resolves with their ids (same order) once
   * they are durable. Callers batch records that arrive together (group commit).
   */
  append(records: readonly UpdateRecord[]): Promise<string[]>;
  /** Snapshot plus the updates after it; an unknown document gives an empty log. */
  load(doc: string): Promise<DocLog>;
  /**
   * Records a compacted state that covers every update of `doc` up to and including `head`.
   * The full history stays readable through `history`.
   */
  saveSnapshot(doc: string, state: Uint8Array, head: string): Promise<void>;
  /** Every update ever appended for `doc`, in order, with author and time. */
  history(doc: string): Promise<StoredUpdate[]>;
  /** Creates a session; resolves false (and changes nothing) when the id is taken. */
  createSession(session: SessionRecord): Promise<boolean>;
  getSession(id: string): Promise<SessionRecord | null>;
  listSessions(): Promise<SessionRecord[]>;
  /** Rejects when the backend cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
