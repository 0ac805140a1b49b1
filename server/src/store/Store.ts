import type { EditorKind, Role } from "@gavel/model";
import type { PresenceBus } from "./PresenceBus.ts";

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
  /** For updates a command made (section indexes): the command event as JSON, for the audit trail. */
  readonly command?: string;
  /**
   * Locks or unlocks the clause document `target` atomically with this record: once a record
   * with a `lock` effect is appended, every later record for `target` is refused (its id is
   * null), in this batch and in every later one, on every node sharing the store, until a
   * record with an `unlock` effect for it.
   */
  readonly lockEffect?: { readonly type: "lock" | "unlock"; readonly target: string };
  /**
   * The node that appended it (NODE_ID), kept with the record so that a node following the
   * store recognises its own appends and does not apply them twice.
   */
  readonly origin?: string;
  /**
   * Appends the record only if the last record stored for its document is this id (null: the
   * document has none yet). Section indexes are written this way by every node: a command
   * decided on a stale index is refused (StoreConflictError) and decided again.
   */
  readonly expectHead?: string | null;
}

/**
 * A record's `expectHead` was not the document's last stored id: nothing of the batch was
 * written. Not a failure of the store: the caller reads again and retries.
 */
export class StoreConflictError extends Error {
  override readonly name = "StoreConflictError";
  constructor(readonly doc: string) {
    super(`${doc} changed since it was read (another node wrote it)`);
  }
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

/** A named revision (e.g. `Rev.1`): the store position of every section at one instant. */
export interface RevisionRecord {
  readonly label: string;
  readonly at: number;
  readonly by: { readonly sub: string; readonly name: string };
  /** Section key (`SESSION/SECTION`) to the id of its last stored update then (null: none yet). */
  readonly positions: Readonly<Record<string, string | null>>;
}

export interface SectionRecord {
  readonly id: string;
  readonly title: string;
}

export interface SessionRecord {
  readonly id: string;
  readonly title: string;
  readonly template: string;
  /** The editor of the session's drafting room, which decides its clause layout; absent in records older than it: `tiptap`. */
  readonly editor?: EditorKind;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly sections: readonly SectionRecord[];
  readonly sources: readonly { readonly id: string; readonly title: string; readonly url?: string }[];
}

/** Entries of one document, in store order; every entry once. */
export type FollowHandler = (doc: string, entries: readonly StoredUpdate[]) => void;

/**
 * What a node follows of the store: every entry appended to the watched documents, by any node
 * sharing the store (this one included), in store order per document.
 */
export interface StoreFollower {
  /** Delivers `doc`'s entries after `after` (exclusive; null: from its first entry). */
  watch(doc: string, after: string | null): void;
  unwatch(doc: string): void;
  close(): Promise<void>;
}

/**
 * Durable storage. One implementation per backend (SQLite, Redis), all passing the same
 * contract suite (test/store.contract.test.ts).
 */
export interface Store {
  /**
   * Appends the records atomically and in order; resolves with their ids (same order) once
   * they are durable. A record for a locked document is not appended: its id is null. A record
   * whose `expectHead` does not hold rejects the whole batch with StoreConflictError, writing
   * nothing. Callers batch records that arrive together (group commit).
   */
  append(records: readonly UpdateRecord[]): Promise<(string | null)[]>;
  /** Snapshot plus the updates after it; an unknown document gives an empty log. */
  load(doc: string): Promise<DocLog>;
  /**
   * Records a compacted state that covers every update of `doc` up to and including `head`,
   * unless a snapshot covering a later head is stored already (nodes compacting one document
   * never step back). The full history stays readable through `history`.
   */
  saveSnapshot(doc: string, state: Uint8Array, head: string): Promise<void>;
  /** Every update ever appended for `doc`, in order, with author and time; up to `until` inclusive when given. */
  history(doc: string, until?: string | null): Promise<StoredUpdate[]>;
  /** Every update of a section (its index and its clauses), in append order; up to `until` inclusive. */
  sectionHistory(sectionKey: string, until?: string | null): Promise<StoredUpdate[]>;
  /** Id of the last update appended to the section, null when none. */
  position(sectionKey: string): Promise<string | null>;
  /**
   * The positions of several sections read at one instant (one statement, one script): a named
   * revision across sections. On a Redis Cluster, one instant per hash slot (per section).
   */
  positions(sectionKeys: readonly string[]): Promise<Record<string, string | null>>;
  /** Clause documents currently locked (see UpdateRecord.lockEffect), among those starting with `prefix`. */
  lockedDocs(prefix: string): Promise<string[]>;
  /** Saves a named revision; resolves false (and changes nothing) when the label is taken in that session. */
  saveRevision(session: string, revision: RevisionRecord): Promise<boolean>;
  getRevision(session: string, label: string): Promise<RevisionRecord | null>;
  listRevisions(session: string): Promise<RevisionRecord[]>;
  /** Creates a session; resolves false (and changes nothing) when the id is taken. */
  createSession(session: SessionRecord): Promise<boolean>;
  getSession(id: string): Promise<SessionRecord | null>;
  listSessions(): Promise<SessionRecord[]>;
  /**
   * Follows the store (see StoreFollower). Optional while only the Redis store has it; a store
   * without it serves one node.
   */
  follow?(deliver: FollowHandler, onError?: (error: unknown) => void): StoreFollower;
  /** Presence between the nodes sharing the store (Redis pub/sub); absent for a one-node store. */
  presence?(node: string, onError: (error: unknown) => void): PresenceBus;
  /** Rejects when the backend cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
