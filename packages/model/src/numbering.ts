import type { ClauseEntry } from "./consensus.ts";

/*
 * Clause labels (SPEC NB1-NB5). A clause keeps the number it was given until the chair or the
 * secretariat renumbers, so a reference made in a meeting stays right while the text moves; a
 * clause inserted since shows its predecessor's number with a Latin suffix.
 */

/** Suffixes of the 2nd to 10th clause sharing a number: `3 bis` is the second clause 3. */
export const LATIN_SUFFIXES = [
  "bis",
  "ter",
  "quater",
  "quinquies",
  "sexies",
  "septies",
  "octies",
  "novies",
  "decies",
] as const;

/** The label of the `ordinal`-th clause sharing `base` (1 is the numbered clause itself). */
export function suffixedLabel(base: number, ordinal: number): string {
  if (ordinal <= 1) return String(base);
  const suffix = LATIN_SUFFIXES[ordinal - 2];
  return suffix === undefined ? `${base} (${ordinal})` : `${base} ${suffix}`;
}

/** The labels of a section's clauses, in order (NB1-NB3). */
export function labelClauses(entries: readonly ClauseEntry[]): string[] {
  let base = 0;
  let ordinal = 1;
  return entries.map((entry) => {
    // typeof, not !== null: index documents written before numbering existed have no field.
    if (typeof entry.number === "number") {
      base = entry.number;
      ordinal = 1;
      return String(base);
    }
    ordinal += 1;
    return suffixedLabel(base, ordinal);
  });
}

/**
 * NB4: numbers 1..n in order; a clause whose label changes keeps the old one in
 * `formerNumbers`. Entries whose label does not change are returned as they were.
 */
export function renumber(entries: readonly ClauseEntry[]): ClauseEntry[] {
  const labels = labelClauses(entries);
  return entries.map((entry, i) => {
    const number = i + 1;
    const previous = labels[i] ?? "";
    // A plain-number label equal to the new number means the clause already has that number.
    if (previous === String(number)) return entry;
    return { ...entry, number, formerNumbers: [...entry.formerNumbers, previous] };
  });
}

const LABEL = /^(\d+)(?:\s*([a-z]+)|\s*\(\s*(\d+)\s*\))?$/;

/**
 * The canonical spelling of a label (`3bis`, `3 BIS` and `3 (2)` are `3 bis`), or null when
 * the string is not a label.
 */
export function canonicalLabel(label: string): string | null {
  const match = LABEL.exec(label.trim().toLowerCase().replace(/\s+/g, " "));
  if (!match) return null;
  const base = Number(match[1]);
  if (!Number.isSafeInteger(base)) return null;
  if (match[2] !== undefined) {
    const index = (LATIN_SUFFIXES as readonly string[]).indexOf(match[2]);
    return index < 0 ? null : suffixedLabel(base, index + 2);
  }
  if (match[3] !== undefined) {
    const ordinal = Number(match[3]);
    return ordinal >= 2 && Number.isSafeInteger(ordinal) ? suffixedLabel(base, ordinal) : null;
  }
  return String(base);
}

/**
 * NB5: the clause that shows `label` now, else the first clause in order that had it before a
 * renumbering (the current label wins: it is what everyone in the room sees).
 */
export function findByLabel(entries: readonly ClauseEntry[], label: string): ClauseEntry | null {
  const wanted = canonicalLabel(label);
  if (wanted === null) return null;
  const labels = labelClauses(entries);
  const current = entries.find((_, i) => labels[i] === wanted);
  if (current) return current;
  return entries.find((entry) => entry.formerNumbers.some((former) => canonicalLabel(former) === wanted)) ?? null;
}
