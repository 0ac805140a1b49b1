import type { Store, UpdateRecord } from "../store/Store.ts";

interface Pending {
  readonly record: UpdateRecord;
  /** The store id, or null when the store refused the record (its document is locked). */
  readonly resolve: (id: string | null) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: records submitted while an append is in flight go out together in the next
 * one. Invariant: batches are appended one at a time, in submission order, and each record's
 * promise resolves in that order, so callers that apply after `await submit()` apply in
 * store order. A failed append fails every record queued behind it too, so no record is stored
 * after one it may depend on was lost.
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
    private readonly observe: (seconds: number, records: number) => void = () => {},
  ) {}

  submit(record: UpdateRecord): Promise<string | null> {
    return new Promise<string | null>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
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

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.paused) {
        await this.paused;
        continue;
      }
      const batch = this.queue;
      this.queue = [];
      const started = process.hrtime.bigint();
      try {
        const appending = this.store.append(batch.map((p) => p.record));
        this.appending = appending;
        const ids = await appending.finally(() => {
          this.appending = null;
        });
        this.observe(Number(process.hrtime.bigint() - started) / 1e9, batch.length);
        for (const [i, p] of batch.entries()) p.resolve(ids[i] ?? null);
      } catch (error) {
        // Records queued meanwhile were checked against a state that included this batch (one
        // may build on a record of it): they fail with it, and their writers send them again.
        for (const p of [...batch, ...this.queue.splice(0)]) p.reject(error);
      }
    }
    this.flushing = false;
    this.markIdle();
  }
}
