import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  type BracketAttrs,
  CLAUSE_FRAGMENT,
  describeClause,
  isValidSegment,
  type ParagraphRuns,
  readClausePlainText,
  TEMPLATES,
  type TextRun,
  writeClauseText,
} from "../src/index.ts";

function render(paragraphs: readonly ParagraphRuns[]): string {
  const doc = new Y.Doc();
  writeClauseText(doc, paragraphs);
  const text = readClausePlainText(doc);
  doc.destroy();
  return text;
}

const shall: BracketAttrs = { id: "b1", by: ["AFR"], reason: "alternative" };
const should: BracketAttrs = { id: "b2", by: ["CEPT", "CITEL"], reason: "alternative" };

describe("writeClauseText / readClausePlainText", () => {
  it("reads back unformatted text unchanged", () => {
    expect(render([[{ text: "The Conference resolves." }]])).toBe("The Conference resolves.");
  });

  it("renders a bracketed run with literal square brackets", () => {
    expect(render([[{ text: "States " }, { text: "may", bracket: shall }, { text: " act." }]])).toBe(
      "States [may] act.",
    );
  });

  it("renders adjacent alternatives as two bracket pairs", () => {
    expect(
      render([
        [
          { text: "Offices " },
          { text: "shall", bracket: shall },
          { text: "should", bracket: should },
          { text: " act." },
        ],
      ]),
    ).toBe("Offices [shall][should] act.");
  });

  it("keeps one bracket pair around a bracket whose text mixes formatting", () => {
    expect(
      render([[{ text: "a " }, { text: "bold", bracket: shall, bold: true }, { text: " plain", bracket: shall }]]),
    ).toBe("a [bold plain]");
  });

  it("closes a bracket that ends its paragraph", () => {
    expect(
      render([
        [
          { text: "end ", italic: true },
          { text: "open", bracket: shall },
        ],
      ]),
    ).toBe("end [open]");
  });

  it("adds no characters for bold and italic runs", () => {
    const runs: TextRun[] = [
      { text: "Heading", bold: true },
      { text: " and " },
      { text: "emphasis", italic: true },
      { text: " both", bold: true, italic: true },
    ];
    expect(render([runs])).toBe("Heading and emphasis both");
  });

  it("stores marks as formatting attributes named after the mark", () => {
    const doc = new Y.Doc();
    writeClauseText(doc, [
      [
        { text: "B", bold: true },
        { text: "I", italic: true },
        { text: "x", bracket: should },
        { text: "n", footnote: { id: "fn1", source: "sp-2024-2027" } },
      ],
    ]);
    const paragraph = doc.getXmlFragment(CLAUSE_FRAGMENT).get(0);
    expect(paragraph).toBeInstanceOf(Y.XmlElement);
    const text = (paragraph as Y.XmlElement).get(0);
    expect(text).toBeInstanceOf(Y.XmlText);
    expect((text as Y.XmlText).toDelta()).toEqual([
      { insert: "B", attributes: { bold: {} } },
      { insert: "I", attributes: { italic: {} } },
      {
        insert: "x",
        attributes: { bracket: { id: "b2", by: ["CEPT", "CITEL"], reason: "alternative", group: null, note: null } },
      },
      { insert: "n", attributes: { footnote: { id: "fn1", source: "sp-2024-2027", note: null } } },
    ]);
    expect((paragraph as Y.XmlElement).nodeName).toBe("paragraph");
  });

  it("joins paragraphs with a newline, one paragraph element each", () => {
    const doc = new Y.Doc();
    writeClauseText(doc, [[{ text: "First." }], [{ text: "Second " }, { text: "one", bracket: shall }], []]);
    expect(doc.getXmlFragment(CLAUSE_FRAGMENT).length).toBe(3);
    expect(readClausePlainText(doc)).toBe("First.\nSecond [one]\n");
  });

  it("reads an empty document as the empty string", () => {
    expect(readClausePlainText(new Y.Doc())).toBe("");
  });

  it("round-trips through a Yjs update into another document", () => {
    const source = new Y.Doc();
    writeClauseText(source, [[{ text: "x " }, { text: "y", bracket: shall }], [{ text: "z", bold: true }]]);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(source));
    expect(readClausePlainText(copy)).toBe("x [y]\nz");
  });
});

describe("the wtdc-action-plan template", () => {
  const template = TEMPLATES["wtdc-action-plan"];
  const allRuns = template.sections.flatMap((s) => s.clauses.flatMap((c) => c.paragraphs.flatMap((p) => [...p])));

  it("is registered under its own id", () => {
    expect(template.id).toBe("wtdc-action-plan");
  });

  it("has unique, valid section ids", () => {
    const ids = template.sections.map((s) => s.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isValidSegment(id), id).toBe(true);
  });

  it("has unique, valid clause ids within each section", () => {
    for (const section of template.sections) {
      const ids = section.clauses.map((c) => c.id);
      expect(ids.length, section.id).toBeGreaterThan(0);
      expect(new Set(ids).size, section.id).toBe(ids.length);
      for (const id of ids) expect(isValidSegment(id), `${section.id}/${id}`).toBe(true);
    }
  });

  it("has unique bracket ids across the whole text", () => {
    // A bracket spanning several runs (a footnote or bold inside it) is one bracket: one id per clause.
    const ids = template.sections.flatMap((s) =>
      s.clauses.flatMap((c) => describeClause(c.paragraphs).brackets.map((bracket) => bracket.id)),
    );
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("contains at least one pair of adjacent alternative brackets", () => {
    const pairs = template.sections.flatMap((s) =>
      s.clauses.flatMap((c) =>
        c.paragraphs.flatMap((p) =>
          p.slice(1).flatMap((run, i) => {
            const before = p[i];
            return before?.bracket?.reason === "alternative" &&
              run.bracket?.reason === "alternative" &&
              before.bracket.id !== run.bracket.id
              ? [`${s.id}/${c.id}`]
              : [];
          }),
        ),
      ),
    );
    expect(pairs.length).toBeGreaterThan(0);
  });

  it("renders its adjacent alternatives as [a][b]", () => {
    const rendered = template.sections.flatMap((s) => s.clauses.map((c) => render(c.paragraphs)));
    expect(rendered.some((text) => /\[[^\]]+\]\[[^\]]+\]/.test(text))).toBe(true);
  });

  it("has no literal square brackets in any run's text (the renderer draws them)", () => {
    const offending = allRuns.filter((r) => /[[\]]/.test(r.text)).map((r) => r.text);
    expect(offending).toEqual([]);
  });

  it("renders every clause with balanced, non-nested brackets", () => {
    for (const section of template.sections) {
      for (const clause of section.clauses) {
        const text = render(clause.paragraphs);
        expect(text, `${section.id}/${clause.id}`).toMatch(/^[^[\]]*(\[[^[\]]+\][^[\]]*)*$/);
      }
    }
  });
});
