import { TEMPLATES } from "@gavel/model";
import { describe, expect, it } from "vitest";
import { docxClauseTexts, htmlClauseTexts, markdownClauseTexts, unzipDocx } from "../server/test/export/extract.ts";
import { api } from "./support/api.ts";
import { makeToken, startTestServer } from "./support/server.ts";

async function download(url: string, token: string): Promise<{ status: number; type: string; body: Buffer }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe("exports of a whole session", () => {
  it("DOCX opens as an Office document with literal brackets, their proposers, alternatives and real footnotes; HTML and Markdown match it", async () => {
    const t = await startTestServer();
    const token = await t.token("secretariat");
    const base = `${t.httpUrl}/api/sessions/demo/export`;
    const docx = await download(`${base}?format=docx`, token);
    expect(docx.status).toBe(200);
    expect(docx.type).toContain("wordprocessingml");
    const parts = unzipDocx(docx.body);
    expect(Object.keys(parts)).toEqual(
      expect.arrayContaining(["[Content_Types].xml", "word/document.xml", "word/footnotes.xml"]),
    );
    const clauses = docxClauseTexts(parts["word/document.xml"] ?? "");
    // Literal brackets, each followed by its proposers (small, `^{...}` as the extractors read them).
    expect(clauses.some((text) => text.includes("[shall]^{AFR, APT}[should]^{CEPT, CITEL}"))).toBe(true);
    // A bracket across two paragraphs names its proposers once, at its end.
    const heading = clauses.indexOf("1 [Thematic Priority 4: Cybersecurity]");
    expect(heading).toBeGreaterThan(-1);
    expect(clauses[heading + 1]).toMatch(/^\[Enhanced capacity .*\]\^\{AFR, ARB, RCC\}$/);
    expect(parts["word/document.xml"]).toContain("w:footnoteReference");
    const footnotes = parts["word/footnotes.xml"] ?? "";
    for (const source of TEMPLATES["wtdc-action-plan"].sources)
      expect(footnotes, source.id).toContain(source.title.replace(/&/g, "&amp;"));

    const html = await download(`${base}?format=html`, token);
    const md = await download(`${base}?format=md`, token);
    expect(html.type).toContain("text/html");
    expect(htmlClauseTexts(html.body.toString())).toEqual(clauses);
    expect(markdownClauseTexts(md.body.toString())).toEqual(clauses);
  });

  it("exports a named revision, and a clean variant only when nothing is bracketed", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    await api(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", { label: "Rev.1" });
    const rev = await download(`${t.httpUrl}/api/sessions/demo/export?format=md&snapshot=Rev.1`, chair);
    expect(rev.status).toBe(200);
    expect(rev.body.toString()).toContain("Rev.1");
    const clean = await download(`${t.httpUrl}/api/sessions/demo/export?format=docx&variant=clean`, chair);
    expect(clean.status).toBe(409);
    expect(JSON.parse(clean.body.toString()).error.code).toBe("BRACKETED");

    const plainChair = await makeToken("chair", { session: "plain" });
    await api(t.httpUrl, plainChair, "POST", "/api/sessions", { id: "plain", template: "empty" });
    const ok = await download(`${t.httpUrl}/api/sessions/plain/export?format=docx&variant=clean`, plainChair);
    expect(ok.status).toBe(200);
    expect(unzipDocx(ok.body)["word/document.xml"]).not.toContain("Open brackets");
    expect((await download(`${t.httpUrl}/api/sessions/demo/export?format=pdf`, chair)).status).toBe(400);
  });
});
