import type { FollowHandler, StoredUpdate, StoreFollower } from "./Store.ts";

/**
 * Follows a store that only this node writes (SQLite, one process per file): what the group
 * commit just stored is delivered to the watched documents, in store order, before any writer
 * hears of it. Documents enter memory the same way as on a shared Redis store, by one code path.
 */
export class LocalFollower implements StoreFollower {
  private readonly watched = new Map<string, number>();

  constructor(private readonly deliver: FollowHandler) {}

  watch(doc: string, after: string | null): void {
    if (!this.watched.has(doc)) this.watched.set(doc, after === null ? 0 : seq(after));
  }

  unwatch(doc: string): void {
    this.watched.delete(doc);
  }

  /** The records of one stored batch, with their ids. */
  feed(entries: readonly StoredUpdate[]): void {
    const byDoc = new Map<string, StoredUpdate[]>();
    for (const entry of entries) {
      const last = this.watched.get(entry.doc);
      if (last === undefined || seq(entry.id) <= last) continue;
      this.watched.set(entry.doc, seq(entry.id));
      const list = byDoc.get(entry.doc) ?? [];
      list.push(entry);
      byDoc.set(entry.doc, list);
    }
    for (const [doc, list] of byDoc) this.deliver(doc, list);
  }

  async close(): Promise<void> {
    this.watched.clear();
  }
}

/** The order of an id: SQLite's are sequence numbers, Redis' `${n}-0`. */
function seq(id: string): number {
  const dash = id.indexOf("-");
  return Number(dash < 0 ? id : id.slice(0, dash));
}
