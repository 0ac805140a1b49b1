import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/export/index.ts";
import { decodeEntities, htmlClauseTexts } from "./extract.ts";
import { CLEAN_FIXTURE, EXPECTED_CLAUSE_TEXTS, EXPECTED_CLEAN_TEXTS, FIXTURE } from "./fixture.ts";

const html = renderHtml(FIXTURE, "full");

describe("renderHtml", () => {
  it("is a standalone HTML5 page with the header", () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("<title>WTDC-25 Action Plan (Rev.1)</title>");
    expect(html).toContain("<h1>WTDC-25 Action Plan</h1>");
    expect(html).toContain('<time datetime="2026-03-04T10:15:00.000Z">2026-03-04 10:15 UTC</time>');
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(renderHtml({ ...FIXTURE, revision: null }, "full")).toContain("<strong>Current text</strong>");
  });

  it("writes sections and clause texts with literal brackets", () => {
    expect([...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1])).toEqual([
      "Objectives",
      "Activities",
      "Annex: status of clauses",
      "Notes",
    ]);
    expect(htmlClauseTexts(html)).toEqual(EXPECTED_CLAUSE_TEXTS);
  });

  it("wraps brackets in spans naming the proposers, and writes the proposers after each bracket", () => {
    expect(html).toContain(
      '<span class="bracket" data-by="AFR,APT" data-reason="substantive" title="Proposed by AFR, APT (substantive)">[promote <strong>digital inclusion</strong>]</span><sup class="proposers">AFR, APT</sup>',
    );
    expect(html).toContain(
      'data-group="g1" title="Proposed by AFR (alternative)">[shall]</span><sup class="proposers">AFR</sup><span class="bracket"',
    );
    expect(html).toContain('title="Proposed by CEPT (alternative)">[should]</span>');
  });

  it("numbers footnote references and lists the footnotes at the end", () => {
    expect(html).toContain('connectivity</strong><sup class="fn-ref" id="fnref-1"><a href="#fn-1">1</a></sup>.');
    expect(html).toContain('<em>developing countries</em><sup class="fn-ref" id="fnref-2"><a href="#fn-2">2</a></sup>');
    const notes = html.slice(html.indexOf('<section class="footnotes">'));
    expect(notes).toContain(
      '<li id="fn-1" value="1"><a href="https://www.itu.int/res37">Resolution 37 (Rev. Kigali, 2022) — See resolves 2.</a></li>',
    );
    expect(notes).toContain('<li id="fn-2" value="2">unknown-src</li>');
    expect(notes.indexOf("</section>")).toBe(notes.lastIndexOf("</section>"));
  });

  it("escapes text and attributes", () => {
    expect(html).not.toContain("<script>");
    expect(html).toContain(
      "Encourage &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;co-operation&#39;",
    );
    const hostile = renderHtml(
      {
        ...FIXTURE,
        title: `</title><script>x()</script>`,
        sections: [
          {
            id: `"><img src=x onerror=y>`,
            title: "<b>S</b>",
            clauses: [
              {
                id: "c",
                label: `1"'`,
                consensus: "open",
                pending: [],
                lock: null,
                paragraphs: [[{ text: "t", bracket: { id: "b", by: [`A"><script>`], reason: "substantive" } }]],
              },
            ],
          },
        ],
      },
      "full",
    );
    expect(hostile).not.toMatch(/<script|<img|<b>|<\/title><script/);
    expect(hostile).toContain('data-section="&#34;&#62;&#60;img src=x onerror=y&#62;"');
    expect(hostile).toContain('data-by="A&#34;&#62;&#60;script&#62;"');
    expect(decodeEntities(hostile)).toContain(`<title></title><script>x()</script> (Rev.1)</title>`);
  });

  it("writes the status annex as a table", () => {
    expect(html).toContain(
      "<tr><th>Clause</th><th>State</th><th>Locked</th><th>Open brackets</th><th>Proposers</th></tr>",
    );
    expect(html).toContain("<tr><td>Objectives, 1</td><td>open</td><td>—</td><td>2</td><td>AFR, CEPT</td></tr>");
    expect(html).toContain(
      "<tr><td>Objectives, 2 bis</td><td>agreed</td><td>Chair Alice, 2026-03-04 09:00 UTC: Agreed in plenary</td><td>0</td><td>—</td></tr>",
    );
    expect(html).toContain("<td>agreed ad referendum (pending: ARB, RCC)</td>");
  });

  it("leaves the annex out of the clean variant", () => {
    const clean = renderHtml(CLEAN_FIXTURE, "clean");
    expect(clean).not.toContain("<table>");
    expect(clean).not.toContain('class="bracket"');
    expect(clean).toContain('<section class="footnotes">');
    expect(htmlClauseTexts(clean)).toEqual(EXPECTED_CLEAN_TEXTS);
    expect(clean).not.toContain('class="proposers"');
  });
});
