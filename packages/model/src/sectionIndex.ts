import type * as Y from "yjs";

export const CONSENSUS_STATES = ["open", "agreed_ad_ref", "agreed"] as const;
export type ConsensusState = (typeof CONSENSUS_STATES)[number];

/** Per-clause entry of a section index. Plain JSON: only the server writes it. */
export interface ClauseEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly consensus: ConsensusState;
}

export interface SectionMeta {
  readonly session: string;
  readonly section: string;
  readonly title: string;
}

/** Names of the shared types inside a section index document. */
export const INDEX_META = "meta";
export const INDEX_ORDER = "order";
export const INDEX_CLAUSES = "clauses";

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
  readonly number: string;
}

/** The clauses of a section in order, numbered from their position. */
export function readSectionIndex(doc: Y.Doc): { title: string; clauses: IndexedClause[] } {
  const title = doc.getMap<unknown>(INDEX_META).get("title");
  const entries = doc.getMap<ClauseEntry>(INDEX_CLAUSES);
  const clauses: IndexedClause[] = [];
  for (const id of doc.getArray<string>(INDEX_ORDER).toArray()) {
    const entry = entries.get(id);
    if (entry) clauses.push({ ...entry, number: String(clauses.length + 1) });
  }
  return { title: typeof title === "string" ? title : "", clauses };
}

export function clauseIdsOf(doc: Y.Doc): string[] {
  return doc.getArray<string>(INDEX_ORDER).toArray();
}
