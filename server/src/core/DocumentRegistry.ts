import { type ClauseEntry, type ClauseLayout, type DocName, INDEX_CLAUSES, indexDocName } from "@gavel/model";
import { GavelError } from "../errors.ts";
import type { PresenceBus } from "../store/PresenceBus.ts";
import type { DocLog, Store, StoredUpdate, StoreFollower, UpdateAuthor } from "../store/Store.ts";
import { DocumentHost, type WriteOutcome } from "./DocumentHost.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { type Replayed, replayUpdates } from "./replayLog.ts";
import { SharedFrames } from "./SharedFrames.ts";

export interface RegistryOptions {
  /** How long a document with no holder stays in memory. */
  readonly unloadAfterMs: number;
  /** Snapshot a document after this many updates since its last snapshot. */
  readonly compactEvery: number;
  /** The clause layout of a document's session (its editor); the Tiptap layout when not given. */
  readonly layoutOf?: (name: DocName) => Promise<ClauseLayout>;
  /**
   * Follows the store: every loaded document is watched from the head it was loaded at, and
   * what any node appends to it enters memory through `receive` (the commit's origin tells this
   * node's own appends). Without it, a document changes only through this node's writes.
   */
  readonly follower?: StoreFollower;
  /** Presence between nodes: every loaded document's awareness is relayed through it. */
  readonly presenceBus?: PresenceBus;
}

export interface RegistryEvents {
  readonly onOutcome: (outcome: WriteOutcome["type"]) => void;
  /** An update of a document was stored and applied (live figures follow clause edits). */
  readonly onPersisted?: (host: DocumentHost, author: UpdateAuthor) => void;
  /** Another node's update of a loaded document was applied here. */
  readonly onFollowed?: (host: DocumentHost, entry: StoredUpdate) => void;
  readonly onError: (message: string, error: unknown) => void;
  /** A stored update the write path would refuse today was left out of a load. */
  readonly onSkipped?: (skipped: SkippedRecord) => void;
}

export interface SkippedRecord {
  readonly doc: string;
  /** Store id, or "snapshot" for a compacted state. */
  readonly id: string;
  readonly author: UpdateAuthor | null;
  readonly reason: string;
}

/**
 * Loads documents on demand and unloads them a grace period after their last holder lets go.
 * A loaded document is only a cache: dropping it never loses anything.
 */
export class DocumentRegistry {
  private readonly hosts = new Map<string, DocumentHost>();
  private readonly loading = new Map<string, Promise<DocumentHost>>();
  private readonly holds = new Map<DocumentHost, number>();
  private readonly unloadTimers = new Map<DocumentHost, NodeJS.Timeout>();
  private readonly compacting = new Set<DocumentHost>();
  /** Documents loading from a snapshot with no update after it: that state, sent before the replay. */
  private readonly previews = new Map<string, SharedFrames>();
  private readonly previewWaiters = new Map<string, ((state: SharedFrames) => void)[]>();
  /** A loaded clause holds its section index: its lock and figures live there. */
  private readonly indexOf = new Map<DocumentHost, DocumentHost>();
  /** Copies loaded so far: each followed copy's origin is the node's id and its number. */
  private copies = 0;

  constructor(
    private readonly store: Store,
    private readonly commit: GroupCommit,
    private readonly options: RegistryOptions,
    private readonly events: RegistryEvents,
  ) {}

  get loadedCount(): number {
    return this.hosts.size;
  }

  isLoaded(name: string): boolean {
    return this.hosts.has(name);
  }

  /**
   * While `name` loads from a stored snapshot that no update follows, `use` gets that state (the
   * whole document, durable): a newcomer's sync step 1 can be answered before the replay, which
   * decodes it. Not called when the document is loaded already or has updates after a snapshot.
   */
  whenColdState(name: string, use: (state: SharedFrames) => void): void {
    const ready = this.previews.get(name);
    if (ready) use(ready);
    else if (this.loading.has(name)) this.previewWaiters.set(name, [...(this.previewWaiters.get(name) ?? []), use]);
  }

  /** Loads (or finds) a document and holds it in memory until `release`. */
  async acquire(name: DocName): Promise<DocumentHost> {
    const host = this.hosts.get(name.name) ?? (await this.load(name));
    this.holds.set(host, (this.holds.get(host) ?? 0) + 1);
    const timer = this.unloadTimers.get(host);
    if (timer) {
      clearTimeout(timer);
      this.unloadTimers.delete(host);
    }
    return host;
  }

  release(host: DocumentHost): void {
    if (!this.holds.has(host)) return; // evicted meanwhile
    const holds = (this.holds.get(host) ?? 1) - 1;
    this.holds.set(host, holds);
    if (holds > 0 || this.hosts.get(host.name.name) !== host) return;
    const timer = setTimeout(() => void this.unload(host), this.options.unloadAfterMs);
    timer.unref();
    this.unloadTimers.set(host, timer);
  }

  async withDocument<T>(name: DocName, use: (host: DocumentHost) => T | Promise<T>): Promise<T> {
    const host = await this.acquire(name);
    try {
      return await use(host);
    } finally {
      this.release(host);
    }
  }

  private load(name: DocName): Promise<DocumentHost> {
    const pending = this.loading.get(name.name);
    if (pending) return pending;
    const promise = this.readFromStore(name).finally(() => {
      this.loading.delete(name.name);
      this.previews.delete(name.name);
      this.previewWaiters.delete(name.name);
    });
    this.loading.set(name.name, promise);
    return promise;
  }

  private async readFromStore(name: DocName): Promise<DocumentHost> {
    const index = name.kind === "clause" ? await this.acquire(this.indexNameOf(name)) : null;
    try {
      const entry =
        index && name.kind === "clause" ? index.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get(name.clause) : null;
      // A clause the index does not list is never loaded: an empty copy in memory would later
      // shadow the text an insert stores under that name.
      if (index && !entry) throw new GavelError("UNKNOWN_DOCUMENT", `no clause ${name.name}`);
      const host = await this.replayFromStore(name);
      if (index && entry) {
        this.indexOf.set(host, index);
        // Read again now: a lock or unlock followed on the index while the clause loaded is in
        // the index already, and this copy was not there yet to learn of it.
        const current =
          (name.kind === "clause" ? index.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get(name.clause) : undefined) ?? entry;
        host.restoreLock(current.lock);
      }
      this.hosts.set(name.name, host);
      return host;
    } catch (error) {
      if (index) this.release(index);
      throw error;
    }
  }

  /** The section index a clause belongs to, loaded: held as long as the clause is loaded. */
  indexHostOf(host: DocumentHost): DocumentHost | null {
    return this.indexOf.get(host) ?? null;
  }

  private indexNameOf(name: DocName): DocName {
    return {
      kind: "index",
      name: indexDocName(name.session, name.section),
      session: name.session,
      section: name.section,
    };
  }

  private async replayFromStore(name: DocName): Promise<DocumentHost> {
    const layout = await this.options.layoutOf?.(name);
    const log = await this.store.load(name.name);
    const stored = log.snapshot && log.updates.length === 0 ? new SharedFrames(log.snapshot) : null;
    if (stored) await this.preview(name.name, stored);
    let replayed = replayUpdates(log.snapshot ? [log.snapshot, ...log.updates] : log.updates);
    if (replayed.skipped.length > 0) replayed = await this.reportSkipped(name.name, log, replayed);
    const host = new DocumentHost(
      name,
      this.commit,
      {
        onOutcome: this.events.onOutcome,
        onPersisted: (h, author) => {
          this.maybeCompact(h);
          this.events.onPersisted?.(h, author);
        },
        onBroken: (h) => this.evict(h),
        readStored: () => this.store.load(name.name),
        onCaughtUp: (h) => this.reconcileLocks(h),
        onFollowed: (h, entry) => {
          this.maybeCompact(h);
          if (entry.lockEffect) this.learnLockEffect(h, entry.lockEffect, entry);
          this.events.onFollowed?.(h, entry);
        },
      },
      replayed.doc,
      layout,
    );
    host.head = log.head;
    const { follower, presenceBus } = this.options;
    if (presenceBus) host.presence.relayThrough(presenceBus.join(name.name, (m) => host.presence.receiveRemote(m)));
    if (follower && this.commit.origin) {
      this.copies += 1;
      host.followedBy = `${this.commit.origin}/${this.copies}`;
      follower.watch(name.name, log.head);
    }
    host.updatesSinceSnapshot = log.updates.length;
    if (stored && replayed.skipped.length === 0) host.useStoredState(stored);
    // A snapshot without the skipped updates spares the next load from skipping them again.
    if (replayed.skipped.length > 0) {
      host.updatesSinceSnapshot = Math.max(1, host.updatesSinceSnapshot);
      void this.compact(host);
    }
    return host;
  }

  /** Hands the stored state to those waiting for it, and lets them send it before the replay. */
  private async preview(name: string, state: SharedFrames): Promise<void> {
    const waiters = this.previewWaiters.get(name) ?? [];
    this.previewWaiters.delete(name);
    this.previews.set(name, state);
    for (const use of waiters) use(state);
    if (waiters.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Names each skipped update by its store id and author (read from the history: the rare path).
   * A skipped snapshot is only a cache: the document is then replayed from its whole history.
   */
  private async reportSkipped(doc: string, log: DocLog, replayed: Replayed): Promise<Replayed> {
    const history = await this.store.history(doc, log.head);
    let result = replayed;
    let records = history.slice(history.length - log.updates.length);
    let offset = log.snapshot ? 1 : 0;
    if (log.snapshot && replayed.skipped.some((s) => s.index === 0)) {
      replayed.doc.destroy();
      this.events.onSkipped?.({ doc, id: "snapshot", author: null, reason: "the snapshot cannot be integrated" });
      result = replayUpdates(history.map((record) => record.update));
      records = history;
      offset = 0;
    }
    for (const { index, reason } of result.skipped) {
      const record = records[index - offset];
      this.events.onSkipped?.({ doc, id: record?.id ?? "unknown", author: record?.author ?? null, reason });
    }
    return result;
  }

  private maybeCompact(host: DocumentHost): void {
    if (host.updatesSinceSnapshot >= this.options.compactEvery) void this.compact(host);
  }

  /**
   * Snapshots by encoding the document state (never by merging long logs: see DESIGN.md), once
   * every update it holds is durable; the write runs off the event loop.
   */
  private async compact(host: DocumentHost): Promise<void> {
    if (this.compacting.has(host) || host.head === null || host.updatesSinceSnapshot === 0) return;
    this.compacting.add(host);
    try {
      const snapshot = await host.durableSnapshot();
      if (snapshot === null) return; // a later update tries again
      await this.store.saveSnapshot(host.name.name, snapshot.state, snapshot.head);
      host.updatesSinceSnapshot = Math.max(0, host.updatesSinceSnapshot - snapshot.covered);
    } catch (error) {
      this.events.onError(`snapshot of ${host.name.name} failed`, error);
    } finally {
      this.compacting.delete(host);
    }
  }

  private async unload(host: DocumentHost): Promise<void> {
    this.unloadTimers.delete(host);
    if ((this.holds.get(host) ?? 0) > 0 || this.hosts.get(host.name.name) !== host) return;
    if (host.busy || (host.updatesSinceSnapshot > 0 && host.head !== null)) {
      await host.settled();
      await this.compact(host);
    }
    // Acquired again (or dropped) while the snapshot was written: it stays, or is gone already.
    if ((this.holds.get(host) ?? 0) > 0 || this.hosts.get(host.name.name) !== host) return;
    this.hosts.delete(host.name.name);
    this.holds.delete(host);
    this.stopFollowing(host);
    host.destroy();
    this.releaseIndexOf(host);
  }

  /**
   * Another node locked or unlocked a clause (its index record's lock effect): the clause,
   * when loaded here, turns read-only or writable at once and its subscribers hear of it (LK5).
   * A write this node accepted before learning of the lock is refused by the store's check.
   */
  private learnLockEffect(
    index: DocumentHost,
    effect: { type: "lock" | "unlock"; target: string },
    entry: StoredUpdate,
  ) {
    const clause = this.hosts.get(effect.target);
    if (!clause || this.indexOf.get(clause) !== index || clause.name.kind !== "clause") return;
    const listed = index.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get(clause.name.clause);
    if (effect.type === "lock" && listed?.lock) {
      clause.confirmLock(listed.lock);
      return;
    }
    // Not when the index lists a lock already (a later one, read back from the store first).
    if (effect.type === "unlock" && !listed?.lock) {
      const reason = reasonOf(entry.command);
      clause.confirmUnlock(entry.author.name, new Date(entry.at).toISOString(), reason);
    }
  }

  /**
   * An index read back a change it had missed (a failed append stored all the same, read back
   * after the command that made it had failed): the clauses loaded here take the locks it lists,
   * as they would a followed lock or unlock (LK5). A clause being locked is left to its command.
   */
  private reconcileLocks(index: DocumentHost): void {
    if (index.name.kind !== "index") return;
    for (const [clause, of] of this.indexOf) {
      if (of !== index || clause.name.kind !== "clause") continue;
      const listed = index.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get(clause.name.clause);
      if (listed?.lock && clause.lockRecord === null) clause.confirmLock(listed.lock);
      else if (listed && !listed.lock && clause.locked)
        clause.confirmUnlock("the server", new Date().toISOString(), "");
    }
  }

  /** What the follower delivers: entries of a loaded document, in store order. */
  receive(doc: string, entries: readonly StoredUpdate[]): void {
    this.hosts.get(doc)?.receiveFollowed(entries);
  }

  private stopFollowing(host: DocumentHost): void {
    if (host.followedBy !== null) this.options.follower?.unwatch(host.name.name);
  }

  private releaseIndexOf(host: DocumentHost): void {
    const index = this.indexOf.get(host);
    this.indexOf.delete(host);
    if (index) this.release(index);
  }

  /** Drops a copy that can no longer be trusted; the next acquire reloads it from the store. */
  private evict(host: DocumentHost): void {
    if (this.hosts.get(host.name.name) === host) {
      this.hosts.delete(host.name.name);
      this.stopFollowing(host);
    }
    this.holds.delete(host);
    const timer = this.unloadTimers.get(host);
    if (timer) clearTimeout(timer);
    this.unloadTimers.delete(host);
    this.releaseIndexOf(host);
    host.destroy();
  }

  /** Shutdown: waits for appends in flight, snapshots and frees every document. */
  async closeAll(): Promise<void> {
    await this.commit.drained();
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    for (const host of hosts) {
      await host.settled();
      await this.compact(host);
      this.stopFollowing(host);
      host.destroy();
    }
  }
}

/** The reason of a recorded unlock command (its JSON), or "" when it has none. */
function reasonOf(command: string | undefined): string {
  if (command === undefined) return "";
  try {
    const parsed: unknown = JSON.parse(command);
    const reason = typeof parsed === "object" && parsed !== null ? (parsed as { reason?: unknown }).reason : undefined;
    return typeof reason === "string" ? reason : "";
  } catch {
    return "";
  }
}
