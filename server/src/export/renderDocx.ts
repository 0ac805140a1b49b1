/**
 * Word export: brackets as literal `[ ]` text with their proposers after them in superscript, sources as real Word footnotes, and (variant
 * "full") the status annex as a table. Clause paragraphs carry the "Clause" paragraph style.
 */
import {
  Document,
  FootnoteReferenceRun,
  HeadingLevel,
  type IParagraphStyleOptions,
  Packer,
  Paragraph,
  type ParagraphChild,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from "docx";
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
} from "./layout.ts";

/** Paragraph style id of clause paragraphs. */
export const DOCX_CLAUSE_STYLE = "Clause";

const CLAUSE_STYLE: IParagraphStyleOptions = {
  id: DOCX_CLAUSE_STYLE,
  name: "Clause",
  basedOn: "Normal",
  next: DOCX_CLAUSE_STYLE,
  quickFormat: true,
  paragraph: { spacing: { after: 120 } },
};

/** Annex column widths in twips: together the text width of an A4 page with 1" margins. */
const ANNEX_WIDTHS = [1800, 2500, 2300, 1000, 1426];

/** Renders a document as a .docx file. */
export async function renderDocx(doc: ExportDocument, variant: ExportVariant): Promise<Buffer> {
  const layout = layOut(doc, variant);
  const file = new Document({
    creator: "Gavel",
    title: layout.title,
    description: `${layout.title}, ${layout.revision}, as of ${layout.date}`,
    styles: { paragraphStyles: [CLAUSE_STYLE] },
    footnotes: footnotesOf(layout.footnotes),
    sections: [
      {
        children: [...header(layout), ...layout.sections.flatMap(sectionBlocks), ...annexBlocks(layout)],
      },
    ],
  });
  return Packer.toBuffer(file);
}

function footnotesOf(footnotes: readonly NumberedFootnote[]): Record<string, { children: Paragraph[] }> {
  const record: Record<string, { children: Paragraph[] }> = {};
  for (const footnote of footnotes) record[String(footnote.number)] = { children: [new Paragraph(footnote.text)] };
  return record;
}

function header(layout: Layout): Paragraph[] {
  return [
    new Paragraph({ heading: HeadingLevel.TITLE, text: layout.title }),
    new Paragraph({ children: [new TextRun({ text: layout.revision, bold: true })] }),
    new Paragraph({ text: `As of ${layout.date}` }),
  ];
}

function sectionBlocks(section: LaidOutSection): Paragraph[] {
  return [
    new Paragraph({ heading: HeadingLevel.HEADING_1, text: section.section.title }),
    ...section.clauses.flatMap(clauseParagraphs),
  ];
}

function clauseParagraphs({ clause, paragraphs }: LaidOutClause): Paragraph[] {
  const label = [new TextRun({ text: clause.label, bold: true }), new TextRun(" ")];
  const bodies = paragraphs.length > 0 ? paragraphs : [[]];
  return bodies.map(
    (pieces, p) =>
      new Paragraph({ style: DOCX_CLAUSE_STYLE, children: [...(p === 0 ? label : []), ...pieces.map(runOf)] }),
  );
}

function runOf(piece: Piece): ParagraphChild {
  switch (piece.kind) {
    case "text":
      return new TextRun({ text: piece.text, bold: piece.bold || undefined, italics: piece.italic || undefined });
    case "open":
      return new TextRun("[");
    case "close":
      return new TextRun("]");
    case "ref":
      return new FootnoteReferenceRun(piece.number);
    case "proposers":
      return new TextRun({ text: piece.codes.join(", "), superScript: true });
  }
}

function annexBlocks(layout: Layout): (Paragraph | Table)[] {
  if (!layout.annex) return [];
  const headerRow = new TableRow({ tableHeader: true, children: ANNEX_COLUMNS.map((text) => cell(text, true)) });
  const rows = layout.annex.map((cells) => new TableRow({ children: cells.map((text) => cell(text, false)) }));
  return [
    new Paragraph({ heading: HeadingLevel.HEADING_1, text: ANNEX_TITLE, pageBreakBefore: true }),
    new Table({
      width: { size: 100, type: WidthType.PERCENTAGE },
      columnWidths: ANNEX_WIDTHS,
      rows: [headerRow, ...rows],
    }),
  ];
}

function cell(text: string, bold: boolean): TableCell {
  return new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold: bold || undefined })] })] });
}
