import {
  type ClauseLayout,
  clauseDocName,
  indexDocName,
  type SessionTemplate,
  type Stamp,
  templateClauseEntries,
  writeSectionIndex,
} from "@gavel/model";
import * as Y from "yjs";
import type { UpdateAuthor, UpdateRecord } from "../store/Store.ts";

const EMPTY_UPDATE = Uint8Array.of(0, 0);

/**
 * The store records that create a session's documents from a template: per section, its clause
 * documents, its index, and one record per clause the template starts locked, carrying the
 * store-level lock. Pure: the caller appends them in one group commit.
 */
export function seedRecords(
  session: string,
  template: SessionTemplate,
  author: UpdateAuthor,
  at: number,
  layout: ClauseLayout,
): UpdateRecord[] {
  const stamp: Stamp = { sub: author.sub, name: author.name, at: new Date(at).toISOString() };
  const records: UpdateRecord[] = [];
  for (const section of template.sections) {
    for (const clause of section.clauses) {
      const doc = new Y.Doc();
      layout.write(doc, clause.paragraphs);
      records.push({
        doc: clauseDocName(session, section.id, clause.id),
        update: Y.encodeStateAsUpdate(doc),
        author,
        at,
      });
      doc.destroy();
    }
    const entries = templateClauseEntries(section, stamp);
    const index = new Y.Doc();
    writeSectionIndex(index, { session, section: section.id, title: section.title }, entries);
    const indexName = indexDocName(session, section.id);
    // Conditional on an index no node has written: two nodes creating the session seed it once.
    records.push({ doc: indexName, update: Y.encodeStateAsUpdate(index), author, at, expectHead: null });
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
      // The index records the lock already; this record only carries the store-level lock.
      records.push({ doc: indexName, update: EMPTY_UPDATE, author, at, command, lockEffect: { type: "lock", target } });
    }
  }
  return records;
}
