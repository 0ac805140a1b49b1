import type * as Y from "yjs";

import type { ClauseEntry } from "./consensus.ts";
import { labelClauses } from "./numbering.ts";

export interface SectionMeta {
  readonly session: string;
  readonly section: string;
  readonly title: string;
}

/** Names of the shared types inside a section index document. */
export const INDEX_META = "meta";
export const INDEX_ORDER = "order";
export const INDEX_CLAUSES = "clauses";
/** Ids of deleted clauses: their documents keep their history, so the ids are never reused. */
export const INDEX_DELETED = "deleted";

export function writeSectionIndex(doc: Y.Doc, meta: SectionMeta, clauses: readonly ClauseEntry[]): void {
  doc.transact(() => {
    const m = doc.getMap<unknown>(INDEX_META);
    m.set("session", meta.session);
    m.set("section", meta.section);
    m.set("title", meta.title);
    doc.getArray<string>(INDEX_ORDER).push(clauses.map((c) => c.id));
    const entries = doc.getMap<ClauseEntry>(INDEX_CLAUSES);
    for (const clause of clauses) entries.set(clause.id, clause);
  });
}

export interface IndexedClause extends ClauseEntry {
  /** What the clause shows: `3`, `3 bis` (SPEC NB1-NB3). */
  readonly label: string;
}

/** The clauses of a section in order, each with its label. */
export function readSectionIndex(doc: Y.Doc): { title: string; clauses: IndexedClause[] } {
  const title = doc.getMap<unknown>(INDEX_META).get("title");
  const map = doc.getMap<ClauseEntry>(INDEX_CLAUSES);
  const entries: ClauseEntry[] = [];
  for (const id of doc.getArray<string>(INDEX_ORDER).toArray()) {
    const entry = map.get(id);
    if (entry) entries.push(entry);
  }
  const labels = labelClauses(entries);
  const clauses = entries.map((entry, i): IndexedClause => ({ ...entry, label: labels[i] ?? "" }));
  return { title: typeof title === "string" ? title : "", clauses };
}

export function clauseIdsOf(doc: Y.Doc): string[] {
  return doc.getArray<string>(INDEX_ORDER).toArray();
}
