import type * as Y from "yjs";

import type { ClauseEntry, TakenUp } from "./consensus.ts";
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
/** Key in `meta` of the clause under discussion (TU1): a TakenUp, or null. */
export const INDEX_TAKEN_UP = "takenUp";

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

/** The clauses of a section in order, each with its label, and the clause taken up (TU1). */
export function readSectionIndex(doc: Y.Doc): { title: string; clauses: IndexedClause[]; takenUp: TakenUp | null } {
  const title = doc.getMap<unknown>(INDEX_META).get("title");
  const map = doc.getMap<ClauseEntry>(INDEX_CLAUSES);
  const entries: ClauseEntry[] = [];
  for (const id of doc.getArray<string>(INDEX_ORDER).toArray()) {
    const entry = map.get(id);
    if (entry) entries.push(entry);
  }
  const labels = labelClauses(entries);
  const clauses = entries.map((entry, i): IndexedClause => ({ ...entry, label: labels[i] ?? "" }));
  return { title: typeof title === "string" ? title : "", clauses, takenUp: readTakenUp(doc) };
}

/** The clause under discussion; null when none, or when that clause is no longer in the section. */
export function readTakenUp(doc: Y.Doc): TakenUp | null {
  const value: unknown = doc.getMap<unknown>(INDEX_META).get(INDEX_TAKEN_UP);
  if (typeof value !== "object" || value === null) return null;
  const { clause, sub, name, at } = value as Record<string, unknown>;
  if (typeof clause !== "string" || typeof sub !== "string" || typeof name !== "string" || typeof at !== "string") {
    return null;
  }
  if (!doc.getMap(INDEX_CLAUSES).has(clause)) return null;
  return { clause, sub, name, at };
}

export function clauseIdsOf(doc: Y.Doc): string[] {
  return doc.getArray<string>(INDEX_ORDER).toArray();
}
