import { describe, expect, it } from "vitest";
import { escapeMarkdown, renderMarkdown } from "../../src/export/index.ts";
import { markdownClauseTexts, unescapeMarkdown } from "./extract.ts";
import { CLEAN_FIXTURE, EXPECTED_CLAUSE_TEXTS, FIXTURE } from "./fixture.ts";

const markdown = renderMarkdown(FIXTURE, "full");
const lines = markdown.split("\n");

describe("renderMarkdown", () => {
  it("writes the header and the sections as headings", () => {
    expect(lines.slice(0, 5)).toEqual(["# WTDC-25 Action Plan", "", "**Rev.1**", "", "As of 2026-03-04 10:15 UTC"]);
    expect(lines.filter((line) => line.startsWith("## "))).toEqual([
      "## Objectives",
      "## Activities",
      "## Annex: status of clauses",
    ]);
    expect(renderMarkdown({ ...FIXTURE, revision: null }, "full")).toContain("**Current text**");
  });

  it("writes brackets escaped, so that they show literally", () => {
    expect(lines).toContain(
      "**1** Member States \\[shall\\]<sup>AFR</sup>\\[should\\]<sup>CEPT</sup> promote meaningful **connectivity**[^1].",
    );
    expect(lines).toContain("**2** To \\[promote **digital inclusion**\\]<sup>AFR, APT</sup> for all.");
    expect(markdownClauseTexts(markdown)).toEqual(EXPECTED_CLAUSE_TEXTS);
  });

  it("escapes markdown-special characters in text", () => {
    expect(lines).toContain(
      "**2 bis** Encourage \\<script\\>alert(\"x\")\\</script\\> \\& 'co-operation' \\*under\\* programme \\#1\\_a\\|b.",
    );
    for (const text of ["- item", "12. item", "a\\b [c](d) `e` ~f~ ![g]", "# h"]) {
      const escaped = escapeMarkdown(text);
      expect(unescapeMarkdown(escaped)).toBe(text);
      expect(escaped).not.toMatch(/^(-|\d+\.|#) /);
    }
  });

  it("keeps outer spaces out of emphasis markers", () => {
    const doc = {
      ...FIXTURE,
      sections: [
        {
          id: "s",
          title: "S",
          clauses: [
            {
              ...FIXTURE.sections[0]!.clauses[0]!,
              paragraphs: [[{ text: "a" }, { text: " b ", bold: true }, { text: "c", italic: true, bold: true }]],
            },
          ],
        },
      ],
    };
    expect(renderMarkdown(doc, "clean")).toContain("**1** a **b** ***c***");
  });

  it("writes footnote references and their definitions at the end", () => {
    expect(lines).toContain("**3** Assist *developing countries*[^2] in need.");
    expect(lines.slice(-4)).toEqual([
      "[^1]: [Resolution 37 (Rev. Kigali, 2022) — See resolves 2.](<https://www.itu.int/res37>)",
      "",
      "[^2]: unknown-src",
      "",
    ]);
  });

  it("writes the status annex as a pipe table after a rule", () => {
    expect(lines[lines.indexOf("## Annex: status of clauses") - 2]).toBe("---");
    expect(lines).toContain("| Clause | State | Locked | Open brackets | Proposers |");
    expect(lines).toContain("| --- | --- | --- | --- | --- |");
    expect(lines).toContain("| Objectives, 1 | open | — | 2 | AFR, CEPT |");
    expect(lines).toContain("| Objectives, 2 | open | — | 1 | AFR, APT |");
    expect(lines).toContain(
      "| Objectives, 2 bis | agreed | Chair Alice, 2026-03-04 09:00 UTC: Agreed in plenary | 0 | — |",
    );
    expect(lines).toContain("| Activities, 3 | agreed ad referendum (pending: ARB, RCC) | — | 0 | — |");
  });

  it("escapes pipes in annex cells", () => {
    const doc = { ...FIXTURE, sections: [{ ...FIXTURE.sections[0]!, title: "A|B" }] };
    expect(renderMarkdown(doc, "full")).toContain("| A\\|B, 1 | open |");
  });

  it("leaves the annex out of the clean variant", () => {
    const clean = renderMarkdown(CLEAN_FIXTURE, "clean");
    expect(clean).not.toContain("---");
    expect(clean).not.toContain("| Clause |");
    expect(clean).not.toContain("\\[");
    expect(clean).toContain("[^2]: unknown-src");
  });
});
