import type { Store, UpdateRecord } from "../store/Store.ts";

interface Pending {
  readonly record: UpdateRecord;
  readonly resolve: (id: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: records submitted while an append is in flight go out together in the next
 * one. Invariant: batches are appended one at a time, in submission order, and each record's
 * promise resolves in that order, so callers that apply after `await submit()` apply in
 * store order.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private flushing = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly observe: (seconds: number, records: number) => void = () => {},
  ) {}

  submit(record: UpdateRecord): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) this.startFlushing();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    return this.flushing ? this.idle : Promise.resolve();
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
      const batch = this.queue;
      this.queue = [];
      const started = process.hrtime.bigint();
      try {
        const ids = await this.store.append(batch.map((p) => p.record));
        this.observe(Number(process.hrtime.bigint() - started) / 1e9, batch.length);
        for (const [i, p] of batch.entries()) p.resolve(ids[i] ?? "");
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.flushing = false;
    this.markIdle();
  }
}
