import { type ClauseLayout, type IndexedClause, readSectionIndex } from "@gavel/model";
import * as Y from "yjs";
import type { StoredUpdate } from "../store/Store.ts";
import { clauseSegments, type RedlineAuthor, type RedlineSegment } from "./clauseRedline.ts";

export interface ClauseRedline {
  readonly id: string;
  /** The clause's label now (a removed clause: the label it had). */
  readonly label: string;
  readonly formerNumbers: readonly string[];
  readonly change: "added" | "removed" | "modified" | "unchanged";
  readonly segments: readonly RedlineSegment[];
}

/**
 * A section's changes between two points of its log: `records` is the log up to the later
 * point, the first `before` of them up to the earlier one. Clauses come in the section's later
 * order; a removed clause stands after the clause it followed (at the start when it was first).
 */
export function sectionRedline(
  key: string,
  records: readonly StoredUpdate[],
  before: number,
  layout: ClauseLayout,
): ClauseRedline[] {
  const earlier = records.slice(0, before);
  const then = indexAt(key, earlier);
  const now = indexAt(key, records);
  const byDoc = new Map<string, StoredUpdate[]>();
  const earlierCount = new Map<string, number>();
  records.forEach((record, i) => {
    const list = byDoc.get(record.doc);
    if (list) list.push(record);
    else byDoc.set(record.doc, [record]);
    if (i < before) earlierCount.set(record.doc, (earlierCount.get(record.doc) ?? 0) + 1);
  });
  const segmentsOf = (id: string) => {
    const doc = `${key}/${id}`;
    return clauseSegments(byDoc.get(doc) ?? [], earlierCount.get(doc) ?? 0, layout);
  };
  const previous = new Set(then.map((c) => c.id));
  const current = new Set(now.map((c) => c.id));
  const out: ClauseRedline[] = now.map((clause) => {
    const segments = segmentsOf(clause.id);
    const change = !previous.has(clause.id)
      ? "added"
      : segments.some((s) => s.kind !== "same")
        ? "modified"
        : "unchanged";
    return { id: clause.id, label: clause.label, formerNumbers: clause.formerNumbers, change, segments };
  });
  then.forEach((clause, i) => {
    if (current.has(clause.id)) return;
    const removal = removalOf(key, records.slice(before), clause.id);
    const segments = segmentsOf(clause.id)
      .filter((s) => s.kind !== "inserted")
      .map((s): RedlineSegment => ({ text: s.text, kind: "deleted", by: removal }));
    const entry: ClauseRedline = {
      id: clause.id,
      label: clause.label,
      formerNumbers: clause.formerNumbers,
      change: "removed",
      segments: merged(segments),
    };
    const anchor = then
      .slice(0, i)
      .reverse()
      .find((c) => out.some((o) => o.id === c.id));
    out.splice(anchor ? out.findIndex((o) => o.id === anchor.id) + 1 : 0, 0, entry);
  });
  return out;
}

function indexAt(key: string, records: readonly StoredUpdate[]): IndexedClause[] {
  const doc = new Y.Doc();
  try {
    for (const record of records) {
      if (record.doc !== key) continue;
      try {
        Y.applyUpdate(doc, record.update);
      } catch {
        // never stored by the write path; skipped as a load would
      }
    }
    return readSectionIndex(doc).clauses;
  } finally {
    doc.destroy();
  }
}

/** Who deleted a clause: the author of the deleteClause command that removed it from the index. */
function removalOf(key: string, later: readonly StoredUpdate[], clause: string): RedlineAuthor | null {
  for (const record of later) {
    if (record.doc !== key || record.command === undefined) continue;
    try {
      const command: unknown = JSON.parse(record.command);
      if (typeof command === "object" && command !== null && "type" in command && "clause" in command) {
        if (command.type === "deleteClause" && command.clause === clause) {
          const { name, delegation, role } = record.author;
          return { name, delegation, role };
        }
      }
    } catch {
      // an unreadable command names nobody
    }
  }
  return null;
}

function merged(segments: readonly RedlineSegment[]): RedlineSegment[] {
  const out: RedlineSegment[] = [];
  for (const segment of segments) {
    const last = out.at(-1);
    if (last && last.kind === segment.kind && last.by === segment.by)
      out[out.length - 1] = { ...last, text: last.text + segment.text };
    else out.push(segment);
  }
  return out;
}
