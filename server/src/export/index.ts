export type { ExportClause, ExportDocument, ExportSection, ExportVariant } from "./ExportDocument.ts";
export { DOCX_CLAUSE_STYLE, renderDocx } from "./renderDocx.ts";
export { escapeHtml, renderHtml } from "./renderHtml.ts";
export { escapeMarkdown, renderMarkdown } from "./renderMarkdown.ts";
