import { type ClauseContent, type ClauseLayout, type IndexedClause, readSectionIndex } from "@gavel/model";
import * as Y from "yjs";
import type { Store, StoredUpdate } from "../store/Store.ts";
import { replayUpdates } from "./replayLog.ts";

/** A section as it was at some point of its log: the index and every clause, read. */
export interface SectionState {
  readonly key: string;
  readonly title: string;
  readonly clauses: readonly (IndexedClause & { readonly content: ClauseContent })[];
}

/** Which part of a section's log: everything, up to a store position, or up to a time. */
export type LogBound =
  | { readonly type: "now" }
  | { readonly type: "position"; readonly until: string | null }
  | { readonly type: "time"; readonly at: number };

/** The records of a section's log within the bound, in append order. */
export async function sectionRecords(store: Store, key: string, bound: LogBound): Promise<StoredUpdate[]> {
  switch (bound.type) {
    case "now":
      return store.sectionHistory(key);
    case "position":
      // A section with no update at that instant had nothing: an empty log.
      return bound.until === null ? [] : store.sectionHistory(key, bound.until);
    case "time":
      return (await store.sectionHistory(key)).filter((record) => record.at <= bound.at);
  }
}

/**
 * Rebuilds a section from its log (full history is kept: DESIGN.md). Used for time travel,
 * revisions, diffs and exports, so that "now" and "then" are read the same way.
 */
export function replaySection(key: string, records: readonly StoredUpdate[], layout: ClauseLayout): SectionState {
  const logs = new Map<string, Uint8Array[]>();
  for (const record of records) {
    const log = logs.get(record.doc);
    if (log) log.push(record.update);
    else logs.set(record.doc, [record.update]);
  }
  // Each document is replayed as a load replays it, so "then" leaves out what "now" leaves out.
  const docs = new Map([...logs].map(([doc, updates]) => [doc, replayUpdates(updates).doc]));
  const index = docs.get(key) ?? new Y.Doc();
  const { title, clauses } = readSectionIndex(index);
  const empty = new Y.Doc();
  const state: SectionState = {
    key,
    title,
    clauses: clauses.map((clause) => ({ ...clause, content: layout.read(docs.get(`${key}/${clause.id}`) ?? empty) })),
  };
  for (const doc of docs.values()) doc.destroy();
  index.destroy();
  empty.destroy();
  return state;
}

export async function sectionStateAt(
  store: Store,
  key: string,
  bound: LogBound,
  layout: ClauseLayout,
): Promise<SectionState> {
  return replaySection(key, await sectionRecords(store, key, bound), layout);
}
