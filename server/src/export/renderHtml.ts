/**
 * HTML export: a standalone HTML5 page. Brackets are literal `[ ]` inside a
 * `<span class="bracket">` that names the proposers, followed by them in
 * `<sup class="proposers">`; footnotes are numbered references to a
 * list at the end; the status annex is a table.
 */
import type { BracketAttrs } from "@gavel/model";
import type { ExportDocument, ExportVariant } from "./ExportDocument.ts";
import {
  ANNEX_COLUMNS,
  ANNEX_TITLE,
  type LaidOutClause,
  type LaidOutSection,
  type Layout,
  layOut,
  type Piece,
} from "./layout.ts";

const STYLE = [
  "body{font-family:serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.5}",
  ".bracket{background:#fff3c4}",
  ".proposers{font-size:.7em;color:#555}",
  "table{border-collapse:collapse;width:100%}",
  "th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}",
].join("");

/** Renders a document as a standalone HTML5 page. */
export function renderHtml(doc: ExportDocument, variant: ExportVariant): string {
  const layout = layOut(doc, variant);
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${layout.title} (${layout.revision})`)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    ...header(layout),
    "<main>",
    ...layout.sections.flatMap(section),
    "</main>",
    ...annex(layout),
    ...footnotes(layout),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function header(layout: Layout): string[] {
  return [
    "<header>",
    `<h1>${escapeHtml(layout.title)}</h1>`,
    `<p class="revision"><strong>${escapeHtml(layout.revision)}</strong></p>`,
    `<p class="date">As of <time datetime="${escapeHtml(layout.isoDate)}">${escapeHtml(layout.date)}</time></p>`,
    "</header>",
  ];
}

function section({ section, clauses }: LaidOutSection): string[] {
  return [
    `<section class="section" data-section="${escapeHtml(section.id)}">`,
    `<h2>${escapeHtml(section.title)}</h2>`,
    ...clauses.flatMap(clause),
    "</section>",
  ];
}

function clause({ clause, paragraphs }: LaidOutClause): string[] {
  const bodies = paragraphs.length > 0 ? paragraphs : [[]];
  const id = escapeHtml(clause.id);
  return bodies.map((pieces, p) => {
    const body = pieces.map(pieceHtml).join("");
    return p === 0
      ? `<p class="clause" data-clause="${id}"><strong class="label">${escapeHtml(clause.label)}</strong> ${body}</p>`
      : `<p class="clause continued" data-clause="${id}">${body}</p>`;
  });
}

function pieceHtml(piece: Piece): string {
  switch (piece.kind) {
    case "text": {
      const text = escapeHtml(piece.text);
      const italic = piece.italic ? `<em>${text}</em>` : text;
      return piece.bold ? `<strong>${italic}</strong>` : italic;
    }
    case "open":
      return `${openingTag(piece.bracket)}[`;
    case "close":
      return "]</span>";
    case "ref":
      return `<sup class="fn-ref" id="fnref-${piece.number}"><a href="#fn-${piece.number}">${piece.number}</a></sup>`;
    case "proposers":
      return `<sup class="proposers">${escapeHtml(piece.codes.join(", "))}</sup>`;
  }
}

function openingTag(bracket: BracketAttrs): string {
  const reason = bracket.reason.replace(/_/g, " ");
  const title = bracket.by.length > 0 ? `Proposed by ${bracket.by.join(", ")} (${reason})` : `Bracketed (${reason})`;
  const group = bracket.group ? ` data-group="${escapeHtml(bracket.group)}"` : "";
  const by = escapeHtml(bracket.by.join(","));
  return `<span class="bracket" data-by="${by}" data-reason="${escapeHtml(bracket.reason)}"${group} title="${escapeHtml(title)}">`;
}

function annex(layout: Layout): string[] {
  if (!layout.annex) return [];
  const row = (cells: readonly string[], tag: "th" | "td") =>
    `<tr>${cells.map((cell) => `<${tag}>${escapeHtml(cell)}</${tag}>`).join("")}</tr>`;
  return [
    '<section class="annex">',
    `<h2>${escapeHtml(ANNEX_TITLE)}</h2>`,
    "<table>",
    `<thead>${row(ANNEX_COLUMNS, "th")}</thead>`,
    "<tbody>",
    ...layout.annex.map((cells) => row(cells, "td")),
    "</tbody>",
    "</table>",
    "</section>",
  ];
}

function footnotes(layout: Layout): string[] {
  if (layout.footnotes.length === 0) return [];
  const items = layout.footnotes.map(({ number, text, url }) => {
    const body = url ? `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>` : escapeHtml(text);
    return `<li id="fn-${number}" value="${number}">${body}</li>`;
  });
  return ['<section class="footnotes">', "<h2>Notes</h2>", "<ol>", ...items, "</ol>", "</section>"];
}
