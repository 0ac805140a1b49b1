/** Reads the clause paragraphs back out of each export format as plain text, for comparison. */
import { strFromU8, unzipSync } from "fflate";

/** Unzips a .docx into its parts, as text. */
export function unzipDocx(buffer: Buffer): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(buffer)))) parts[name] = strFromU8(bytes);
  return parts;
}

export function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith("#x") || body.startsWith("#X")) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(Number(body.slice(1)));
    return named[body] ?? entity;
  });
}

/** The `<w:p>` elements of a WordprocessingML part. */
export function docxParagraphs(xml: string): string[] {
  return [...xml.matchAll(/<w:p(?: [^>]*)?>([\s\S]*?)<\/w:p>/g)].map((m) => m[1] ?? "");
}

/**
 * A paragraph's visible text: its `<w:t>` contents, footnote references as `^N`, superscript
 * runs (the proposers after a bracket) as `^{TEXT}`.
 */
export function docxParagraphText(paragraph: string): string {
  return [...paragraph.matchAll(/<w:r(?: [^>]*)?>([\s\S]*?)<\/w:r>/g)]
    .map(([, run = ""]) => {
      const footnote = /<w:footnoteReference w:id="(\d+)"\/>/.exec(run);
      if (footnote) return `^${footnote[1]}`;
      const text = [...run.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => decodeEntities(m[1] ?? "")).join("");
      return /<w:vertAlign w:val="superscript"\/>/.test(run) ? `^{${text}}` : text;
    })
    .join("");
}

export function docxClauseTexts(documentXml: string): string[] {
  return docxParagraphs(documentXml)
    .filter((p) => p.includes('<w:pStyle w:val="Clause"/>'))
    .map(docxParagraphText);
}

/** Tags stripped and entities decoded; footnote references as `^N`, proposers as `^{AFR, CEPT}`. */
export function htmlClauseTexts(html: string): string[] {
  return [...html.matchAll(/<p class="clause[^"]*"[^>]*>([\s\S]*?)<\/p>/g)].map((m) =>
    decodeEntities(
      (m[1] ?? "")
        .replace(/<sup class="fn-ref"[^>]*><a [^>]*>(\d+)<\/a><\/sup>/g, "^$1")
        .replace(/<sup class="proposers">([^<]*)<\/sup>/g, "^{$1}")
        .replace(/<[^>]+>/g, ""),
    ),
  );
}

/** Undoes Markdown escaping and emphasis; `[^N]` references become `^N`. */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])|\[\^(\d+)\]|\*+/g, (_m, escaped?: string, footnote?: string) =>
    escaped !== undefined ? escaped : footnote !== undefined ? `^${footnote}` : "",
  );
}

/** The paragraphs after the first section heading, up to the annex rule, without headings and definitions. */
export function markdownClauseTexts(markdown: string): string[] {
  const blocks = markdown.trimEnd().split(/\n{2,}/);
  const start = blocks.findIndex((b) => b.startsWith("## "));
  const end = blocks.indexOf("---");
  return blocks
    .slice(start, end === -1 ? undefined : end)
    .filter((b) => !b.startsWith("#") && !/^\[\^\d+\]:/.test(b))
    .map((b) => unescapeMarkdown(b.replace(/<sup>([\s\S]*?)<\/sup>/g, "^{$1}")));
}
