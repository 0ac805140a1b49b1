import { describe, expect, it } from "vitest";
import type { ExportDocument } from "../../src/export/index.ts";
import { renderDocx, renderHtml, renderMarkdown } from "../../src/export/index.ts";
import { docxClauseTexts, htmlClauseTexts, markdownClauseTexts, unzipDocx } from "./extract.ts";
import { EXPECTED_CLAUSE_TEXTS, FIXTURE } from "./fixture.ts";

async function clauseTexts(doc: ExportDocument, variant: "full" | "clean"): Promise<string[][]> {
  const docx = unzipDocx(await renderDocx(doc, variant))["word/document.xml"]!;
  return [
    docxClauseTexts(docx),
    htmlClauseTexts(renderHtml(doc, variant)),
    markdownClauseTexts(renderMarkdown(doc, variant)),
  ];
}

/** A document whose footnotes are out of registry order, span runs, and sit inside brackets. */
const TRICKY: ExportDocument = {
  ...FIXTURE,
  sections: [
    {
      id: "s",
      title: "Tricky",
      clauses: [
        {
          id: "t1",
          label: "7 ter",
          consensus: "open",
          pending: [],
          lock: null,
          paragraphs: [
            [
              { text: "A ", footnote: { id: "late", source: "wsis" } },
              { text: "b", footnote: { id: "early", source: "res37" } },
              { text: " c", bold: true, footnote: { id: "late", source: "wsis" } },
              { text: "d", bracket: { id: "x", by: ["IAP"], reason: "placeholder" } },
              {
                text: "e",
                bracket: { id: "x", by: ["IAP"], reason: "placeholder" },
                footnote: { id: "in", source: "?" },
              },
              { text: "" },
            ],
          ],
        },
      ],
    },
  ],
};

describe("the three formats", () => {
  it("yield the same clause texts", async () => {
    for (const variant of ["full", "clean"] as const) {
      const [docx, html, markdown] = await clauseTexts(FIXTURE, variant);
      expect(docx).toEqual(EXPECTED_CLAUSE_TEXTS);
      expect(html).toEqual(docx);
      expect(markdown).toEqual(docx);
    }
  });

  it("number footnotes document-wide in order of their references, after a footnote's last run", async () => {
    const [docx, html, markdown] = await clauseTexts(TRICKY, "full");
    expect(docx).toEqual(["7 ter A b^1 c^2[de^3]^{IAP}"]);
    expect(html).toEqual(docx);
    expect(markdown).toEqual(docx);
  });
});
