/**
 * Markdown export (CommonMark with GFM tables and footnotes). Brackets are content, so they are
 * written escaped (`\[`, `\]`) and show literally, their proposers after them in `<sup>`;
 * footnotes are `[^N]` references with their definitions at the end; the status annex is a
 * pipe table after a rule.
 */
import type { ExportDocument, ExportVariant } from "./ExportDocument.ts";
import {
  ANNEX_COLUMNS,
  ANNEX_TITLE,
  type LaidOutClause,
  type LaidOutSection,
  type Layout,
  layOut,
  type NumberedFootnote,
  type Piece,
  type PieceParagraph,
  type TextPiece,
} from "./layout.ts";

/** Renders a document as Markdown; blocks are separated by blank lines. */
export function renderMarkdown(doc: ExportDocument, variant: ExportVariant): string {
  const layout = layOut(doc, variant);
  const blocks = [
    `# ${escapeMarkdown(layout.title)}`,
    `**${escapeMarkdown(layout.revision)}**`,
    `As of ${escapeMarkdown(layout.date)}`,
    ...layout.sections.flatMap(section),
    ...annex(layout),
    ...layout.footnotes.map(definition),
  ];
  return `${blocks.join("\n\n")}\n`;
}

/**
 * Escapes text so that Markdown renderers show it literally: the characters that can start
 * markup are backslash-escaped, and so is what would make a line a list item or a heading.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/[\\`*_[\]<>#|~!&]/g, "\\$&")
    .replace(/^(\s*)([-+=])/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/, "$1\\$2");
}

function section({ section, clauses }: LaidOutSection): string[] {
  return [`## ${escapeMarkdown(section.title)}`, ...clauses.flatMap(clause)];
}

function clause({ clause, paragraphs }: LaidOutClause): string[] {
  const bodies = paragraphs.length > 0 ? paragraphs : [[]];
  return bodies.map((pieces, p) => {
    const body = inline(pieces);
    return p === 0 ? `**${escapeMarkdown(clause.label)}** ${body}` : body;
  });
}

function inline(pieces: PieceParagraph): string {
  return mergeText(pieces).map(pieceMarkdown).join("");
}

function pieceMarkdown(piece: Piece): string {
  switch (piece.kind) {
    case "text":
      return emphasis(piece);
    case "open":
      return "\\[";
    case "close":
      return "\\]";
    case "ref":
      return `[^${piece.number}]`;
    case "proposers":
      return `<sup>${escapeMarkdown(piece.codes.join(", "))}</sup>`;
  }
}

/** Joins adjacent text pieces of the same formatting: `**a****b**` would not read as bold. */
function mergeText(pieces: PieceParagraph): Piece[] {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const last = merged.at(-1);
    if (piece.kind === "text" && last?.kind === "text" && last.bold === piece.bold && last.italic === piece.italic) {
      merged[merged.length - 1] = { ...last, text: last.text + piece.text };
    } else {
      merged.push(piece);
    }
  }
  return merged;
}

/** Bold and italic markers around the text, with its outer spaces outside them (`** a**` is not bold). */
function emphasis(piece: TextPiece): string {
  const marker = `${piece.bold ? "**" : ""}${piece.italic ? "*" : ""}`;
  const [, lead = "", core = "", trail = ""] = /^(\s*)([\s\S]*?)(\s*)$/.exec(piece.text) ?? [];
  if (marker === "" || core === "") return escapeMarkdown(piece.text);
  return `${lead}${marker}${escapeMarkdown(core)}${marker}${trail}`;
}

function annex(layout: Layout): string[] {
  if (!layout.annex) return [];
  const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
  const table = [row(ANNEX_COLUMNS), `|${" --- |".repeat(ANNEX_COLUMNS.length)}`, ...layout.annex.map(row)];
  return ["---", `## ${escapeMarkdown(ANNEX_TITLE)}`, table.join("\n")];
}

function definition({ number, text, url }: NumberedFootnote): string {
  const body = url
    ? `[${escapeMarkdown(text)}](<${url.replace(/[<>\s\\]/g, (c) => encodeURIComponent(c))}>)`
    : escapeMarkdown(text);
  return `[^${number}]: ${body}`;
}
