import * as Y from "yjs";

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
}

/** A run of text with its marks, as a clause is seeded or read back. */
export interface TextRun {
  readonly text: string;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly bracket?: BracketAttrs;
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
        text.insert(offset, run.text, marksOf(run));
        offset += run.text.length;
      }
    }
  });
}

function marksOf(run: TextRun): Record<string, unknown> {
  const marks: Record<string, unknown> = {};
  if (run.bold) marks.bold = {};
  if (run.italic) marks.italic = {};
  if (run.bracket) marks.bracket = { id: run.bracket.id, by: [...run.bracket.by], reason: run.bracket.reason };
  return marks;
}

interface DeltaOp {
  insert?: unknown;
  attributes?: Record<string, unknown>;
}

/** Reads a clause as plain text: paragraphs joined by newlines, brackets as literal `[ ]`. */
export function readClausePlainText(doc: Y.Doc): string {
  const paragraphs: string[] = [];
  for (const node of doc.getXmlFragment(CLAUSE_FRAGMENT).toArray()) {
    paragraphs.push(plainTextOf(node));
  }
  return paragraphs.join("\n");
}

function plainTextOf(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    let out = "";
    let openBracket: string | null = null;
    for (const op of node.toDelta() as DeltaOp[]) {
      if (typeof op.insert !== "string") continue;
      const bracket = op.attributes?.bracket as { id?: unknown } | undefined;
      const id = bracket && typeof bracket.id === "string" ? bracket.id : bracket ? "?" : null;
      if (id !== openBracket) {
        if (openBracket !== null) out += "]";
        if (id !== null) out += "[";
        openBracket = id;
      }
      out += op.insert;
    }
    if (openBracket !== null) out += "]";
    return out;
  }
  if (node instanceof Y.XmlElement) {
    return node
      .toArray()
      .map((child) => plainTextOf(child))
      .join("");
  }
  return "";
}
