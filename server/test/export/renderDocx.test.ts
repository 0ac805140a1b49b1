import { describe, expect, it } from "vitest";
import { renderDocx } from "../../src/export/index.ts";
import { docxClauseTexts, docxParagraphs, docxParagraphText, unzipDocx } from "./extract.ts";
import { CLEAN_FIXTURE, EXPECTED_CLAUSE_TEXTS, EXPECTED_CLEAN_TEXTS, FIXTURE } from "./fixture.ts";

async function parts(variant: "full" | "clean", doc = FIXTURE): Promise<Record<string, string>> {
  return unzipDocx(await renderDocx(doc, variant));
}

describe("renderDocx", () => {
  it("writes a valid Office package", async () => {
    const docx = await parts("full");
    expect(Object.keys(docx)).toEqual(
      expect.arrayContaining(["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/footnotes.xml"]),
    );
    expect(docx["[Content_Types].xml"]).toContain("wordprocessingml.footnotes+xml");
    expect(docx["word/_rels/document.xml.rels"]).toContain('Target="footnotes.xml"');
    expect(docx["docProps/core.xml"]).toContain("WTDC-25 Action Plan");
  });

  it("writes the header: title, revision and date", async () => {
    const texts = docxParagraphs((await parts("full"))["word/document.xml"]!).map(docxParagraphText);
    expect(texts.slice(0, 3)).toEqual(["WTDC-25 Action Plan", "Rev.1", "As of 2026-03-04 10:15 UTC"]);
    const current = await renderDocx({ ...FIXTURE, revision: null }, "full");
    expect(docxParagraphs(unzipDocx(current)["word/document.xml"]!).map(docxParagraphText)[1]).toBe("Current text");
  });

  it("writes sections as headings and clauses with literal brackets and footnote references", async () => {
    const xml = (await parts("full"))["word/document.xml"]!;
    expect(docxClauseTexts(xml)).toEqual(EXPECTED_CLAUSE_TEXTS);
    expect(xml).toMatch(/<w:pStyle w:val="Heading1"\/><\/w:pPr><w:r><w:t[^>]*>Objectives<\/w:t>/);
    expect(xml).toMatch(/<w:pStyle w:val="Heading1"\/><\/w:pPr><w:r><w:t[^>]*>Activities<\/w:t>/);
    expect(xml.match(/<w:footnoteReference w:id="\d+"\/>/g)).toEqual([
      '<w:footnoteReference w:id="1"/>',
      '<w:footnoteReference w:id="2"/>',
    ]);
  });

  it("keeps formatting: bold label, bold run inside a bracket, italic anchor", async () => {
    const xml = (await parts("full"))["word/document.xml"]!;
    expect(xml).toMatch(/<w:rPr><w:b\/><w:bCs\/><\/w:rPr><w:t[^>]*>2 bis<\/w:t>/);
    expect(xml).toMatch(/<w:t[^>]*>\[<\/w:t><\/w:r><w:r><w:t[^>]*>promote <\/w:t><\/w:r><w:r><w:rPr><w:b\/>/);
    expect(xml).toMatch(/<w:rPr><w:b\/><w:bCs\/><\/w:rPr><w:t[^>]*>digital inclusion<\/w:t><\/w:r><w:r><w:t[^>]*>\]/);
    expect(xml).toMatch(/<w:rPr><w:i\/><w:iCs\/><\/w:rPr><w:t[^>]*>developing countries<\/w:t>/);
  });

  it("writes each bracket's proposers after its closing bracket, as a superscript run", async () => {
    const xml = (await parts("full"))["word/document.xml"]!;
    const superscript = (codes: string) =>
      new RegExp(
        `<w:t[^>]*>\\]</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t[^>]*>${codes}</w:t>`,
      );
    expect(xml).toMatch(superscript("AFR, APT"));
    expect(xml).toMatch(superscript("AFR"));
    expect(xml).toMatch(superscript("CEPT"));
    expect(xml.match(/w:val="superscript"/g)).toHaveLength(3);
  });

  it("escapes markup in the text", async () => {
    const xml = (await parts("full"))["word/document.xml"]!;
    expect(xml).toContain("Encourage &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;co-operation&apos;");
    expect(xml).not.toContain("<script>");
  });

  it("writes footnotes with the source title and note, or the unknown source id", async () => {
    const footnotes = docxParagraphs((await parts("full"))["word/footnotes.xml"]!).map(docxParagraphText);
    expect(footnotes.filter((text) => text !== "")).toEqual([
      "Resolution 37 (Rev. Kigali, 2022) — See resolves 2.",
      "unknown-src",
    ]);
    expect((await parts("full"))["word/footnotes.xml"]).toMatch(/<w:footnote w:id="1">[\s\S]*Resolution 37/);
  });

  it("writes the status annex as a table (full variant)", async () => {
    const xml = (await parts("full"))["word/document.xml"]!;
    const rows = [...xml.matchAll(/<w:tr>([\s\S]*?)<\/w:tr>/g)].map((row) =>
      [...(row[1] ?? "").matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) => docxParagraphText(c[1] ?? "")),
    );
    expect(rows).toEqual([
      ["Clause", "State", "Locked", "Open brackets", "Proposers"],
      ["Objectives, 1", "open", "—", "2", "AFR, CEPT"],
      ["Objectives, 2", "open", "—", "1", "AFR, APT"],
      ["Objectives, 2 bis", "agreed", "Chair Alice, 2026-03-04 09:00 UTC: Agreed in plenary", "0", "—"],
      ["Activities, 3", "agreed ad referendum (pending: ARB, RCC)", "—", "0", "—"],
    ]);
    expect(xml).toContain("Annex: status of clauses");
  });

  it("leaves the annex out of the clean variant", async () => {
    const xml = (await parts("clean", CLEAN_FIXTURE))["word/document.xml"]!;
    expect(xml).not.toContain("<w:tbl>");
    expect(xml).not.toContain("Annex");
    expect(docxClauseTexts(xml)).toEqual(EXPECTED_CLEAN_TEXTS);
    expect(xml).toContain('<w:footnoteReference w:id="2"/>');
  });

  it("still writes literal brackets in the clean variant if some remain", async () => {
    const xml = (await parts("clean"))["word/document.xml"]!;
    expect(docxClauseTexts(xml)).toEqual(EXPECTED_CLAUSE_TEXTS);
    expect(xml).not.toContain("<w:tbl>");
  });
});
