import {
  type ClauseEntry,
  type Consensus,
  clauseDocName,
  indexDocName,
  readClause,
  type SessionTemplate,
  type Stamp,
  type TemplateClause,
  writeClauseText,
  writeSectionIndex,
} from "@gavel/model";
import * as Y from "yjs";
import type { UpdateAuthor, UpdateRecord } from "../store/Store.ts";

/**
 * The store records that create a session's documents from a template: per section, its clause
 * documents, its index, and one lock record per clause the template starts locked. Pure: the
 * caller appends them in one group commit.
 */
export function seedRecords(
  session: string,
  template: SessionTemplate,
  author: UpdateAuthor,
  at: number,
): UpdateRecord[] {
  const stamp: Stamp = { sub: author.sub, name: author.name, at: new Date(at).toISOString() };
  const records: UpdateRecord[] = [];
  for (const section of template.sections) {
    const entries: ClauseEntry[] = [];
    for (const [i, clause] of section.clauses.entries()) {
      const doc = new Y.Doc();
      writeClauseText(doc, clause.paragraphs);
      const figures = readClause(doc).figures;
      records.push({
        doc: clauseDocName(session, section.id, clause.id),
        update: Y.encodeStateAsUpdate(doc),
        author,
        at,
      });
      doc.destroy();
      entries.push({
        id: clause.id,
        createdAt: stamp.at,
        createdBy: author.sub,
        consensus: consensusOf(clause, stamp),
        lock: clause.locked ? { ...stamp, reason: clause.locked.reason } : null,
        number: i + 1,
        formerNumbers: [],
        figures,
      });
    }
    const index = new Y.Doc();
    writeSectionIndex(index, { session, section: section.id, title: section.title }, entries);
    const indexName = indexDocName(session, section.id);
    records.push({ doc: indexName, update: Y.encodeStateAsUpdate(index), author, at });
    index.destroy();
    for (const entry of entries) {
      if (!entry.lock) continue;
      const target = clauseDocName(session, section.id, entry.id);
      const command = JSON.stringify({
        type: "lock",
        section: section.id,
        clause: entry.id,
        reason: entry.lock.reason,
      });
      // The lock is in the index already; this record carries the store-level lock (no change).
      records.push({ doc: indexName, update: EMPTY_UPDATE, author, at, command, lockEffect: { type: "lock", target } });
    }
  }
  return records;
}

const EMPTY_UPDATE = Uint8Array.of(0, 0);

function consensusOf(clause: TemplateClause, set: Stamp): Consensus {
  switch (clause.consensus ?? "open") {
    case "open":
      return { state: "open" };
    case "agreed":
      return { state: "agreed", set, confirmed: [] };
    case "agreed_ad_ref":
      return { state: "agreed_ad_ref", pending: [...(clause.pending ?? [])], confirmed: [], set };
  }
}
