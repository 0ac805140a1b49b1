import * as Y from "yjs";

/*
 * How a clause is stored. Reading it back (text, brackets, footnotes, figures) is clauseReader.ts.
 */

export const BRACKET_REASONS = [
  "substantive",
  "alternative",
  "awaiting_instructions",
  "placeholder",
  "editorial",
] as const;
export type BracketReason = (typeof BRACKET_REASONS)[number];

export interface BracketAttrs {
  readonly id: string;
  /** Delegation codes of the proposers. */
  readonly by: readonly string[];
  readonly reason: BracketReason;
  /** Alternatives (`[shall][should]`) are adjacent brackets sharing a group id; null otherwise. */
  readonly group?: string | null;
  /** A short note of the proposers (at most MAX_BRACKET_NOTE characters); null otherwise. */
  readonly note?: string | null;
}

/** The longest bracket note kept; a longer one is cut when read (SPEC CS7). */
export const MAX_BRACKET_NOTE = 200;

/**
 * A footnote reference: a mark on its anchor text; the reference stands after the anchor. The
 * source is an id in the session's source registry.
 */
export interface FootnoteAttrs {
  readonly id: string;
  readonly source: string;
  readonly note?: string | null;
}

/** A run of text with its marks, as a clause is seeded or read back. */
export interface TextRun {
  readonly text: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly bracket?: BracketAttrs;
  readonly footnote?: FootnoteAttrs;
}

export type ParagraphRuns = readonly TextRun[];

/** Root of a clause document, as Tiptap's Collaboration extension expects it. */
export const CLAUSE_FRAGMENT = "default";

/**
 * Writes paragraphs into an empty clause document in the y-prosemirror layout: one
 * `paragraph` element per paragraph, marks as formatting attributes named after the mark.
 */
export function writeClauseText(doc: Y.Doc, paragraphs: readonly ParagraphRuns[]): void {
  const fragment = doc.getXmlFragment(CLAUSE_FRAGMENT);
  doc.transact(() => {
    const elements = paragraphs.map((runs) => {
      const paragraph = new Y.XmlElement("paragraph");
      const text = new Y.XmlText();
      paragraph.insert(0, [text]);
      return { paragraph, text, runs };
    });
    fragment.insert(
      fragment.length,
      elements.map((e) => e.paragraph),
    );
    for (const { text, runs } of elements) {
      let offset = 0;
      for (const run of runs) {
        text.insert(offset, run.text, markAttributes(run));
        offset += run.text.length;
      }
    }
  });
}

/**
 * The formatting attributes a run is stored with: marks named after the mark, brackets and
 * footnotes with every field present (null where absent), as the editor writes them.
 */
export function markAttributes(run: TextRun): Record<string, unknown> {
  const marks: Record<string, unknown> = {};
  if (run.bold) marks.bold = {};
  if (run.italic) marks.italic = {};
  if (run.bracket) {
    const { id, by, reason, group, note } = run.bracket;
    marks.bracket = { id, by: [...by], reason, group: group ?? null, note: note ?? null };
  }
  if (run.footnote) {
    const { id, source, note } = run.footnote;
    marks.footnote = { id, source, note: note ?? null };
  }
  return marks;
}

/**
 * Paragraphs from plain text (one per line), every non-empty one carrying `bracket` when
 * given: a delegate's new clause is one bracket across all its paragraphs (SPEC CM2).
 */
export function textToParagraphs(text: string, bracket?: BracketAttrs): ParagraphRuns[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line): ParagraphRuns => (line.length === 0 ? [] : [bracket ? { text: line, bracket } : { text: line }]));
}
