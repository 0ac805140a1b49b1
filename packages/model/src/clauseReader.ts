import * as Y from "yjs";

import {
  BRACKET_REASONS,
  type BracketAttrs,
  type BracketReason,
  CLAUSE_FRAGMENT,
  type FootnoteAttrs,
  MAX_BRACKET_NOTE,
  markAttributes,
  type ParagraphRuns,
  type TextRun,
} from "./clauseText.ts";
import type { ClauseFigures } from "./consensus.ts";

/*
 * Reads a clause back: its runs, plain text, brackets, footnotes and figures (SPEC CS1). Mark
 * attributes are written by clients, so they are untrusted input: every field is checked, a
 * malformed mark is read with defaults and nothing here throws.
 */

export interface ClauseBracket {
  readonly id: string;
  readonly group: string | null;
  readonly by: readonly string[];
  readonly reason: BracketReason;
  /** The proposers' short note, at most MAX_BRACKET_NOTE characters; null when there is none. */
  readonly note: string | null;
  /** The bracketed text; parts in different paragraphs are joined by a newline. */
  readonly text: string;
}

export interface ClauseFootnote {
  readonly id: string;
  readonly source: string;
  readonly note: string | null;
  /** The text the footnote reference stands after. */
  readonly anchor: string;
}

export interface ClauseContent {
  /** Runs with their marks; adjacent runs with equal marks are merged, empty runs dropped. */
  readonly paragraphs: ParagraphRuns[];
  /** Paragraphs joined by newlines, brackets as literal `[ ]`, adjacent brackets as `][`. */
  readonly text: string;
  /** One per bracket id, in order of first appearance. */
  readonly brackets: ClauseBracket[];
  /** One per footnote id, in order of first appearance. */
  readonly footnotes: ClauseFootnote[];
  readonly figures: ClauseFigures;
}

/** Reads a clause document (the y-prosemirror layout writeClauseText writes). */
export function readClause(doc: Y.Doc): ClauseContent {
  return contentOfRuns(
    doc
      .getXmlFragment(CLAUSE_FRAGMENT)
      .toArray()
      .map((node) => {
        const runs: AttributedRun[] = [];
        collectRuns(node, runs);
        return runs;
      }),
  );
}

/**
 * A run of text as a layout finds it: its marks as attributes named after the mark (`bold`,
 * `italic`, `bracket`, `footnote`), values as a client wrote them (untrusted).
 */
export interface AttributedRun {
  readonly text: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The layout-neutral reading of paragraphs of attributed runs (every layout ends here, CS7). */
export function contentOfRuns(paragraphs: readonly (readonly AttributedRun[])[]): ClauseContent {
  const ids = new SyntheticIds();
  return describeRuns(
    paragraphs.map((runs) =>
      mergeRuns(
        ids.assign(runs.filter((run) => run.text.length > 0).map((run) => decodeRun(run.text, run.attributes))),
      ),
    ),
  );
}

/** Reads a clause as plain text: paragraphs joined by newlines, brackets as literal `[ ]`. */
export function readClausePlainText(doc: Y.Doc): string {
  return readClause(doc).text;
}

/** What readClause would return for a document written with these paragraphs, without Yjs. */
export function describeClause(paragraphs: readonly ParagraphRuns[]): ClauseContent {
  return contentOfRuns(
    paragraphs.map((runs) => runs.map((run) => ({ text: run.text, attributes: markAttributes(run) }))),
  );
}

/** SPEC CS1: brackets are counted by id; a group of two or more ids is one set of alternatives. */
export function figuresOf(brackets: readonly Pick<ClauseBracket, "id" | "group" | "by">[]): ClauseFigures {
  const ids = new Set<string>();
  const groups = new Map<string, Set<string>>();
  const perDelegation = new Map<string, number>();
  for (const bracket of brackets) {
    if (ids.has(bracket.id)) continue;
    ids.add(bracket.id);
    if (bracket.group !== null) {
      const members = groups.get(bracket.group) ?? new Set<string>();
      members.add(bracket.id);
      groups.set(bracket.group, members);
    }
    for (const code of new Set(bracket.by)) perDelegation.set(code, (perDelegation.get(code) ?? 0) + 1);
  }
  // fromEntries defines own properties, so a delegation code such as "__proto__" stays a plain key.
  const byDelegation = Object.fromEntries([...perDelegation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const alternatives = [...groups.values()].filter((members) => members.size >= 2).length;
  return { openBrackets: ids.size, alternatives, byDelegation };
}

/** A run as decoded, before ids are given to marks that had none. */
interface RawRun {
  readonly text: string;
  readonly bold: boolean;
  readonly italic: boolean;
  readonly bracket: (Omit<BracketAttrs, "id"> & { readonly id: string | null }) | null;
  readonly footnote: (Omit<FootnoteAttrs, "id"> & { readonly id: string | null }) | null;
}

interface DeltaOp {
  readonly insert?: unknown;
  readonly attributes?: Record<string, unknown>;
}

/** Every text of a block, inline elements included, in document order. */
function collectRuns(node: Y.XmlElement | Y.XmlText | Y.XmlHook, out: AttributedRun[]): void {
  if (node instanceof Y.XmlText) {
    for (const op of node.toDelta() as DeltaOp[]) {
      if (typeof op.insert === "string" && op.insert.length > 0)
        out.push({ text: op.insert, attributes: op.attributes ?? {} });
    }
  } else if (node instanceof Y.XmlElement) {
    for (const child of node.toArray()) collectRuns(child, out);
  }
}

function decodeRun(text: string, attributes: Readonly<Record<string, unknown>>): RawRun {
  const bracket = attributes.bracket;
  const footnote = attributes.footnote;
  return {
    text,
    bold: isPresent(attributes.bold),
    italic: isPresent(attributes.italic),
    bracket: isPresent(bracket)
      ? {
          id: nonEmptyString(field(bracket, "id")),
          by: delegationsOf(field(bracket, "by")),
          reason: reasonOf(field(bracket, "reason")),
          group: nonEmptyString(field(bracket, "group")),
          note: noteOf(field(bracket, "note")),
        }
      : null,
    footnote: isPresent(footnote)
      ? {
          id: nonEmptyString(field(footnote, "id")),
          source: nonEmptyString(field(footnote, "source")) ?? "",
          note: nonEmptyString(field(footnote, "note")),
        }
      : null,
  };
}

/** Yjs drops null attributes; a mark written as false is treated as absent too. */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Proposers as clients wrote them, within the limits of CS4 (at most 64 codes of 1-32
 * characters): the figures built from them go to every client with the index.
 */
function delegationsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const codes = value.filter(
    (code): code is string => typeof code === "string" && code.length > 0 && code.length <= 32,
  );
  return [...new Set(codes)].slice(0, 64);
}

/**
 * A note as a client wrote it: trimmed, blank as none, cut to MAX_BRACKET_NOTE characters
 * (UTF-16 units, as a text field's maxLength counts them) without splitting a surrogate pair.
 */
function noteOf(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const note = value.trim();
  if (note.length <= MAX_BRACKET_NOTE) return note.length > 0 ? note : null;
  const cut = note.slice(0, MAX_BRACKET_NOTE);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** An unknown reason reads as substantive: the reason that asks the most of the group. */
function reasonOf(value: unknown): BracketReason {
  return (BRACKET_REASONS as readonly unknown[]).includes(value) ? (value as BracketReason) : "substantive";
}

/**
 * Gives a mark without an id one of its own: a contiguous stretch of such runs is one mark
 * (it renders as one pair of brackets), so it counts once; separate stretches count apart.
 */
class SyntheticIds {
  private brackets = 0;
  private footnotes = 0;

  assign(raw: readonly RawRun[]): TextRun[] {
    let bracketId: string | null = null;
    let footnoteId: string | null = null;
    return raw.map((run) => {
      bracketId = run.bracket && run.bracket.id === null ? (bracketId ?? `?${++this.brackets}`) : null;
      footnoteId = run.footnote && run.footnote.id === null ? (footnoteId ?? `?fn${++this.footnotes}`) : null;
      return toTextRun(run, run.bracket?.id ?? bracketId, run.footnote?.id ?? footnoteId);
    });
  }
}

function toTextRun(run: RawRun, bracketId: string | null, footnoteId: string | null): TextRun {
  const out: { -readonly [K in keyof TextRun]: TextRun[K] } = { text: run.text };
  if (run.bold) out.bold = true;
  if (run.italic) out.italic = true;
  if (run.bracket && bracketId !== null) {
    const { by, reason, group, note } = run.bracket;
    out.bracket = {
      id: bracketId,
      by,
      reason,
      ...(group === null || group === undefined ? {} : { group }),
      ...(note === null || note === undefined ? {} : { note }),
    };
  }
  if (run.footnote && footnoteId !== null) {
    const { source, note } = run.footnote;
    out.footnote = note === null || note === undefined ? { id: footnoteId, source } : { id: footnoteId, source, note };
  }
  return out;
}

function mergeRuns(runs: readonly TextRun[]): TextRun[] {
  const merged: TextRun[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && sameMarks(last, run)) merged[merged.length - 1] = { ...last, text: last.text + run.text };
    else merged.push(run);
  }
  return merged;
}

function sameMarks(a: TextRun, b: TextRun): boolean {
  return (
    Boolean(a.bold) === Boolean(b.bold) &&
    Boolean(a.italic) === Boolean(b.italic) &&
    sameBracket(a.bracket, b.bracket) &&
    a.footnote?.id === b.footnote?.id &&
    a.footnote?.source === b.footnote?.source &&
    (a.footnote?.note ?? null) === (b.footnote?.note ?? null)
  );
}

function sameBracket(a: BracketAttrs | undefined, b: BracketAttrs | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.id === b.id &&
    a.reason === b.reason &&
    (a.group ?? null) === (b.group ?? null) &&
    (a.note ?? null) === (b.note ?? null) &&
    a.by.length === b.by.length &&
    a.by.every((code, i) => code === b.by[i])
  );
}

/** What a bracket or footnote id gathers: the attributes of its first run, then all its text. */
interface Span<A> {
  readonly attrs: A;
  text: string;
  paragraph: number;
}

function extend<A>(spans: Map<string, Span<A>>, id: string, attrs: A, paragraph: number, text: string): void {
  const span = spans.get(id);
  if (!span) {
    spans.set(id, { attrs, text, paragraph });
    return;
  }
  span.text += (span.paragraph === paragraph ? "" : "\n") + text;
  span.paragraph = paragraph;
}

/** Text, brackets, footnotes and figures of normalized paragraphs. */
function describeRuns(paragraphs: TextRun[][]): ClauseContent {
  const bracketSpans = new Map<string, Span<BracketAttrs>>();
  const footnoteSpans = new Map<string, Span<FootnoteAttrs>>();
  const lines = paragraphs.map((runs, paragraph) => {
    let line = "";
    let open: string | null = null;
    for (const run of runs) {
      const id = run.bracket?.id ?? null;
      if (id !== open) {
        if (open !== null) line += "]";
        if (id !== null) line += "[";
        open = id;
      }
      line += run.text;
      if (run.bracket) extend(bracketSpans, run.bracket.id, run.bracket, paragraph, run.text);
      if (run.footnote) extend(footnoteSpans, run.footnote.id, run.footnote, paragraph, run.text);
    }
    return open === null ? line : `${line}]`;
  });
  const brackets = [...bracketSpans.values()].map(
    ({ attrs, text }): ClauseBracket => ({
      id: attrs.id,
      group: attrs.group ?? null,
      by: attrs.by,
      reason: attrs.reason,
      note: attrs.note ?? null,
      text,
    }),
  );
  const footnotes = [...footnoteSpans.values()].map(
    ({ attrs, text }): ClauseFootnote => ({
      id: attrs.id,
      source: attrs.source,
      note: attrs.note ?? null,
      anchor: text,
    }),
  );
  return { paragraphs, text: lines.join("\n"), brackets, footnotes, figures: figuresOf(brackets) };
}
