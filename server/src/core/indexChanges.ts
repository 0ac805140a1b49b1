import {
  type Actor,
  type BracketAttrs,
  type ClauseEntry,
  type ClauseLayout,
  INDEX_CLAUSES,
  INDEX_DELETED,
  INDEX_META,
  INDEX_TAKEN_UP,
  NO_FIGURES,
  type RoomCommand,
  type RuleDecision,
  readSectionIndex,
} from "@gavel/model";
import * as Y from "yjs";
import { GavelError } from "../errors.ts";
import { authorOf, type DocumentHost, type RecordExtras } from "./DocumentHost.ts";

/** A rule's refusal as a GavelError (its code, prefixed by the rule id), or the decision's value. */
export function unwrap<T extends object>(decision: RuleDecision<T>): T {
  if (!decision.ok) throw new GavelError(decision.error.code, `${decision.error.rule}: ${decision.error.message}`);
  return decision;
}

/**
 * Runs `mutate` on a copy of a section index (serialised per index by applyServerChange) and
 * stores the result with the command and its actor (SPEC AU1). A throw in `mutate` (a rule's
 * refusal) stores nothing.
 */
export async function changeIndex<T>(
  actor: Actor,
  index: DocumentHost,
  command: RoomCommand,
  mutate: (doc: Y.Doc, entries: ClauseEntry[]) => T,
  extras: (value: T) => Omit<RecordExtras, "command"> = () => ({}),
): Promise<T> {
  const recorded = JSON.stringify(command);
  const { outcome, value } = await index.applyServerChange(
    authorOf(actor),
    (doc) => mutate(doc, readSectionIndex(doc).clauses.map(stripLabel)),
    (v) => ({ command: recorded, ...extras(v) }),
  );
  if (outcome.type === "failed" || outcome.type === "invalid")
    throw new GavelError("STORE_UNAVAILABLE", outcome.reason);
  if (outcome.type === "refused") throw new GavelError(outcome.code, outcome.reason);
  return value;
}

/** Replaces one clause's entry with `next(entry)`. */
export function updateEntry(
  actor: Actor,
  index: DocumentHost,
  command: Extract<RoomCommand, { clause: string }>,
  next: (entry: ClauseEntry) => ClauseEntry,
  extras: (entry: ClauseEntry) => Omit<RecordExtras, "command"> = () => ({}),
): Promise<ClauseEntry> {
  return changeIndex(
    actor,
    index,
    command,
    (doc) => {
      const entry = next(requireEntry(doc, command.clause));
      doc.getMap<ClauseEntry>(INDEX_CLAUSES).set(entry.id, entry);
      return entry;
    },
    extras,
  );
}

/** TU1: a deleted clause is no longer under discussion. */
export function clearTakenUp(doc: Y.Doc, clause: string): void {
  const meta = doc.getMap<unknown>(INDEX_META);
  const takenUp = meta.get(INDEX_TAKEN_UP);
  if (typeof takenUp === "object" && takenUp !== null && (takenUp as { clause?: unknown }).clause === clause) {
    meta.set(INDEX_TAKEN_UP, null);
  }
}

export function entryOf(doc: Y.Doc, id: string): ClauseEntry | null {
  return doc.getMap<ClauseEntry>(INDEX_CLAUSES).get(id) ?? null;
}

export function requireEntry(doc: Y.Doc, id: string): ClauseEntry {
  const entry = entryOf(doc, id);
  if (!entry) throw new GavelError("NOT_FOUND", `no clause ${id} in this section`);
  return entry;
}

/** The stored entry of a read clause (without its computed label). */
export function stripLabel<T extends ClauseEntry>(clause: T): ClauseEntry {
  const { id, createdAt, createdBy, consensus, lock, number, formerNumbers, figures } = clause;
  return { id, createdAt, createdBy, consensus, lock, number, formerNumbers, figures: figures ?? NO_FIGURES };
}

/**
 * `c<n>` with n one more than the largest used in the section, deleted clauses included: a
 * deleted clause's document keeps its history, so a new clause must never take its name.
 */
export function nextClauseId(doc: Y.Doc): string {
  let max = 0;
  for (const id of [
    ...doc.getMap<ClauseEntry>(INDEX_CLAUSES).keys(),
    ...doc.getArray<string>(INDEX_DELETED).toArray(),
  ]) {
    const n = /^c(\d+)$/.exec(id)?.[1];
    if (n) max = Math.max(max, Number(n));
  }
  return `c${max + 1}`;
}

/** A new clause document: one paragraph per line, every line bracketed when `bracket` is given. */
export function newClauseText(
  layout: ClauseLayout,
  text: string,
  bracket: BracketAttrs | null,
): { update: Uint8Array; figures: ClauseEntry["figures"] } {
  const doc = new Y.Doc();
  layout.write(
    doc,
    text.split("\n").map((line) => (line ? [{ text: line, ...(bracket ? { bracket } : {}) }] : [])),
  );
  const result = { update: Y.encodeStateAsUpdate(doc), figures: layout.read(doc).figures };
  doc.destroy();
  return result;
}
