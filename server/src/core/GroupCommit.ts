import { type Store, StoreConflictError, type StoredUpdate, type UpdateRecord } from "../store/Store.ts";

interface Pending {
  /** Records appended in one batch, never split across two (a new clause and its index entry). */
  readonly records: readonly UpdateRecord[];
  readonly bytes: number;
  /** Holds a conditional record (expectHead): appended in a batch of its own. */
  readonly conditional: boolean;
  /** The store ids, null where the store refused a record (its document is locked). */
  readonly resolve: (ids: (string | null)[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Bounds of one append: a burst is cut into batches the store answers in bounded time. */
export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRecords: 512, maxBytes: 4 * 1024 * 1024 };

export interface CommitObserver {
  /** A batch was appended: how long the store took and how many records it held. */
  readonly appended?: (seconds: number, records: number) => void;
  /** A batch failed: every record in it and queued behind it was failed too. */
  readonly failed?: (error: unknown, records: number) => void;
  /** A conditional group found its document moved on (another node wrote it): only it was refused. */
  readonly conflicted?: (error: StoreConflictError) => void;
  /**
   * The records of a batch just stored, with their ids, before any writer hears of it: a store
   * no other node writes is followed through this (the local follower).
   */
  readonly stored?: (entries: readonly StoredUpdate[]) => void;
}

/**
 * Group commit: records submitted while an append is in flight go out together in the next
 * one, at most `limits` per batch. Invariant: batches are appended one at a time, in submission
 * order, and each record's promise resolves in that order, so callers that apply after `await
 * submit()` apply in store order. A failed append fails every record queued behind it too, so
 * no record is stored after one it may depend on was lost. A conditional group (a section
 * index decided on what this node has read) goes in a batch of its own: when its document moved
 * on, only it is refused (StoreConflictError), and nothing queued behind it.
 *
 * Every record is stamped with this node's `origin`, so that a node following the store
 * recognises its own appends.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private flushing = false;
  /** While set, nothing is appended: `exclusive` reads the store at one instant. */
  private paused: Promise<void> | null = null;
  /** The append the store is executing, if any. */
  private appending: Promise<unknown> | null = null;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly observer: CommitObserver = {},
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
    readonly origin: string = "",
  ) {}

  submit(record: UpdateRecord): Promise<string | null> {
    return this.submitGroup([record]).then((ids) => ids[0] ?? null);
  }

  /** Appends `records` in one batch (atomically: all of them or none), in this order. */
  submitGroup(records: readonly UpdateRecord[]): Promise<(string | null)[]> {
    if (records.length === 0) return Promise.resolve([]);
    const bytes = records.reduce((sum, r) => sum + r.update.byteLength, 0);
    const conditional = records.some((r) => r.expectHead !== undefined);
    // A document's copy stamps its own origin (node and copy); anything else gets the node's.
    const stamped = this.origin ? records.map((r) => (r.origin ? r : { ...r, origin: this.origin })) : records;
    return new Promise<(string | null)[]>((resolve, reject) => {
      this.queue.push({ records: stamped, bytes, conditional, resolve, reject });
      if (!this.flushing) this.startFlushing();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    return this.flushing ? this.idle : Promise.resolve();
  }

  /**
   * Runs `read` when no append is in flight and holds every new append until it is done: what
   * it reads of the store is one instant (a named revision across all sections).
   */
  async exclusive<T>(read: () => Promise<T>): Promise<T> {
    while (this.paused) await this.paused;
    let resume: () => void = () => {};
    this.paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    try {
      // Only the append in flight must finish; queued records wait for `resume`.
      while (this.appending) await this.appending.catch(() => undefined);
      return await read();
    } finally {
      this.paused = null;
      resume();
    }
  }

  private startFlushing(): void {
    this.flushing = true;
    this.idle = new Promise<void>((resolve) => {
      this.markIdle = resolve;
    });
    // Let the current tick's submissions join the first batch.
    setImmediate(() => void this.flushLoop());
  }

  /** The next batch off the queue: whole groups, within the limits (a lone group may exceed them). */
  private takeBatch(): Pending[] {
    let records = 0;
    let bytes = 0;
    let n = 0;
    for (const p of this.queue) {
      const over = records + p.records.length > this.limits.maxRecords || bytes + p.bytes > this.limits.maxBytes;
      if (n > 0 && (over || p.conditional)) break;
      if (p.conditional) return this.queue.splice(0, 1);
      records += p.records.length;
      bytes += p.bytes;
      n += 1;
    }
    return this.queue.splice(0, n);
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.paused) {
        await this.paused;
        continue;
      }
      const batch = this.takeBatch();
      const records = batch.flatMap((p) => p.records);
      const started = process.hrtime.bigint();
      try {
        const appending = this.store.append(records);
        this.appending = appending;
        const ids = await appending.finally(() => {
          this.appending = null;
        });
        this.observer.appended?.(Number(process.hrtime.bigint() - started) / 1e9, records.length);
        if (this.observer.stored) this.observer.stored(storedEntries(records, ids));
        let at = 0;
        for (const p of batch) {
          p.resolve(p.records.map((_, i) => ids[at + i] ?? null));
          at += p.records.length;
        }
      } catch (error) {
        if (error instanceof StoreConflictError && batch.length === 1 && batch[0]?.conditional) {
          this.observer.conflicted?.(error);
          batch[0].reject(error);
          continue;
        }
        // Records queued meanwhile were checked against a state that included this batch (one
        // may build on a record of it): they fail with it, and their writers send them again.
        const failed = [...batch, ...this.queue.splice(0)];
        this.observer.failed?.(
          error,
          failed.reduce((sum, p) => sum + p.records.length, 0),
        );
        for (const p of failed) p.reject(error);
      }
    }
    this.flushing = false;
    this.markIdle();
  }
}

/** The stored records of a batch with their ids (refused ones left out). */
function storedEntries(records: readonly UpdateRecord[], ids: readonly (string | null)[]): StoredUpdate[] {
  const out: StoredUpdate[] = [];
  for (const [i, record] of records.entries()) {
    const id = ids[i];
    if (id !== null && id !== undefined) out.push({ ...record, id });
  }
  return out;
}
