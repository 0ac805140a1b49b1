import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  type BracketAttrs,
  CLAUSE_FRAGMENT,
  describeClause,
  figuresOf,
  isBracketed,
  NO_FIGURES,
  type ParagraphRuns,
  readClause,
  readClausePlainText,
  TEMPLATES,
  textToParagraphs,
  writeClauseText,
} from "../src/index.ts";

function docOf(paragraphs: readonly ParagraphRuns[]): Y.Doc {
  const doc = new Y.Doc();
  writeClauseText(doc, paragraphs);
  return doc;
}

type RawRun = readonly [text: string, attributes: Record<string, unknown>];

/** A clause document written as a client could write it: any attribute values at all. */
function rawDoc(paragraphs: readonly (readonly RawRun[])[]): Y.Doc {
  const doc = new Y.Doc();
  const fragment = doc.getXmlFragment(CLAUSE_FRAGMENT);
  for (const runs of paragraphs) {
    const paragraph = new Y.XmlElement("paragraph");
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    fragment.insert(fragment.length, [paragraph]);
    let offset = 0;
    for (const [s, attributes] of runs) {
      text.insert(offset, s, attributes);
      offset += s.length;
    }
  }
  return doc;
}

const afr: BracketAttrs = { id: "b1", by: ["AFR", "ARB"], reason: "substantive" };
const shall: BracketAttrs = { id: "b2", by: ["AFR"], reason: "alternative", group: "g1" };
const should: BracketAttrs = { id: "b3", by: ["CEPT"], reason: "alternative", group: "g1" };

describe("readClause", () => {
  it("CS7: gives text, brackets and figures of a clause with alternatives", () => {
    const content = readClause(
      docOf([
        [
          { text: "Offices " },
          { text: "shall", bracket: shall },
          { text: "should", bracket: should },
          { text: " act " },
          { text: "now", bracket: afr },
          { text: "." },
        ],
      ]),
    );
    expect(content.text).toBe("Offices [shall][should] act [now].");
    expect(content.brackets).toEqual([
      { id: "b2", group: "g1", by: ["AFR"], reason: "alternative", note: null, text: "shall" },
      { id: "b3", group: "g1", by: ["CEPT"], reason: "alternative", note: null, text: "should" },
      { id: "b1", group: null, by: ["AFR", "ARB"], reason: "substantive", note: null, text: "now" },
    ]);
    expect(content.figures).toEqual({ openBrackets: 3, alternatives: 1, byDelegation: { AFR: 2, ARB: 1, CEPT: 1 } });
  });

  it("CS7: a bracket spanning several runs (bold inside) is one bracket", () => {
    const content = readClause(
      docOf([[{ text: "a " }, { text: "bold", bracket: afr, bold: true }, { text: " plain", bracket: afr }]]),
    );
    expect(content.text).toBe("a [bold plain]");
    expect(content.brackets).toEqual([
      { id: "b1", group: null, by: ["AFR", "ARB"], reason: "substantive", note: null, text: "bold plain" },
    ]);
    expect(content.figures.openBrackets).toBe(1);
    expect(content.figures.byDelegation).toEqual({ AFR: 1, ARB: 1 });
  });

  it("CS7: a bracket across paragraphs is one bracket, its text joined by a newline", () => {
    const content = readClause(
      docOf([[{ text: "Heading", bracket: afr, bold: true }], [{ text: "Body", bracket: afr }]]),
    );
    expect(content.text).toBe("[Heading]\n[Body]");
    expect(content.brackets.map((b) => b.text)).toEqual(["Heading\nBody"]);
    expect(content.figures.openBrackets).toBe(1);
  });

  it("CS7: the same id in two places of a paragraph is still one bracket", () => {
    const content = readClause(docOf([[{ text: "x", bracket: afr }, { text: " and " }, { text: "y", bracket: afr }]]));
    expect(content.text).toBe("[x] and [y]");
    expect(content.figures.openBrackets).toBe(1);
    expect(content.brackets[0]?.text).toBe("xy");
  });

  it("CS7: a group with a single bracket is not an alternative", () => {
    const content = readClause(docOf([[{ text: "only", bracket: shall }]]));
    expect(content.figures).toEqual({ openBrackets: 1, alternatives: 0, byDelegation: { AFR: 1 } });
  });

  it("CS7: counts two groups of alternatives apart", () => {
    const g2a: BracketAttrs = { id: "b4", by: ["RCC"], reason: "alternative", group: "g2" };
    const g2b: BracketAttrs = { id: "b5", by: ["APT"], reason: "alternative", group: "g2" };
    const content = readClause(
      docOf([
        [
          { text: "a", bracket: shall },
          { text: "b", bracket: should },
          { text: " " },
          { text: "c", bracket: g2a },
          { text: "d", bracket: g2b },
          { text: "e", bracket: g2b },
        ],
      ]),
    );
    expect(content.text).toBe("[a][b] [c][de]");
    expect(content.figures.alternatives).toBe(2);
    expect(content.figures.openBrackets).toBe(4);
  });

  it("reads footnotes with their anchor, one per id", () => {
    const content = readClause(
      docOf([
        [
          { text: "Outcome", footnote: { id: "fn1", source: "sp-2024-2027", note: "From the plan." } },
          { text: " and " },
          { text: "bold", bold: true, footnote: { id: "fn2", source: "cwg-sfp" } },
          { text: " end", footnote: { id: "fn2", source: "cwg-sfp" } },
        ],
      ]),
    );
    expect(content.footnotes).toEqual([
      { id: "fn1", source: "sp-2024-2027", note: "From the plan.", anchor: "Outcome" },
      { id: "fn2", source: "cwg-sfp", note: null, anchor: "bold end" },
    ]);
    expect(content.text).toBe("Outcome and bold end");
    expect(content.figures).toEqual(NO_FIGURES);
  });

  it("keeps one bracket around a footnote inside it", () => {
    const content = readClause(
      docOf([
        [
          { text: "a ", bracket: afr },
          { text: "cited", bracket: afr, footnote: { id: "fn1", source: "s" } },
          { text: " b", bracket: afr },
        ],
      ]),
    );
    expect(content.text).toBe("[a cited b]");
    expect(content.figures.openBrackets).toBe(1);
    expect(content.footnotes.map((f) => f.anchor)).toEqual(["cited"]);
  });

  it("merges adjacent runs with equal marks, across inline elements, and drops none of the text", () => {
    const doc = new Y.Doc();
    const paragraph = new Y.XmlElement("paragraph");
    const first = new Y.XmlText();
    const second = new Y.XmlText();
    paragraph.insert(0, [first, new Y.XmlElement("hardBreak"), second]);
    doc.getXmlFragment(CLAUSE_FRAGMENT).insert(0, [paragraph]);
    first.insert(0, "one ", { bold: {} });
    second.insert(0, "two", { bold: {} });
    second.insert(3, " three", { bold: null });
    expect(readClause(doc).paragraphs).toEqual([[{ text: "one two", bold: true }, { text: " three" }]]);
  });

  it("reads back what writeClauseText wrote, run for run", () => {
    const paragraphs: ParagraphRuns[] = [
      [{ text: "Heading", bold: true }],
      [
        { text: "Text " },
        { text: "shall", bracket: shall },
        { text: "should", bracket: should },
        { text: " cited", italic: true, footnote: { id: "f", source: "s", note: "n" } },
      ],
      [],
    ];
    expect(readClause(docOf(paragraphs)).paragraphs).toEqual(paragraphs);
  });

  it("reads an empty document as nothing", () => {
    expect(readClause(new Y.Doc())).toEqual({
      paragraphs: [],
      text: "",
      brackets: [],
      footnotes: [],
      figures: NO_FIGURES,
    });
  });

  it("readClausePlainText is readClause's text", () => {
    const doc = docOf([[{ text: "x " }, { text: "y", bracket: afr }], [{ text: "z", bold: true }]]);
    expect(readClausePlainText(doc)).toBe(readClause(doc).text);
    expect(readClausePlainText(doc)).toBe("x [y]\nz");
  });

  it("describeClause gives what readClause gives for every template clause", () => {
    for (const template of Object.values(TEMPLATES)) {
      for (const section of template.sections) {
        for (const clause of section.clauses) {
          expect(describeClause(clause.paragraphs), `${section.id}/${clause.id}`).toEqual(
            readClause(docOf(clause.paragraphs)),
          );
        }
      }
    }
  });
});

describe("readClause on untrusted mark attributes", () => {
  it("CS7: counts a bracket mark without id, proposers or reason, with defaults", () => {
    const content = readClause(
      rawDoc([
        [
          ["plain ", {}],
          ["odd", { bracket: {} }],
        ],
      ]),
    );
    expect(content.text).toBe("plain [odd]");
    expect(content.brackets).toEqual([
      { id: "?1", group: null, by: [], reason: "substantive", note: null, text: "odd" },
    ]);
    expect(content.figures).toEqual({ openBrackets: 1, alternatives: 0, byDelegation: {} });
  });

  it("CS7: a contiguous stretch without an id is one bracket, separate stretches are two", () => {
    const content = readClause(
      rawDoc([
        [
          ["a", { bracket: { by: ["AFR"] } }],
          ["b", { bracket: { by: ["AFR"] }, bold: {} }],
          [" ", {}],
          ["c", { bracket: true }],
        ],
        [["d", { bracket: "yes" }]],
      ]),
    );
    expect(content.text).toBe("[ab] [c]\n[d]");
    expect(content.figures.openBrackets).toBe(3);
    expect(content.figures.byDelegation).toEqual({ AFR: 1 });
  });

  it("CS7: reads wrongly typed fields with defaults", () => {
    const content = readClause(
      rawDoc([
        [
          ["x", { bracket: { id: 7, by: "AFR", reason: "because", group: 3 } }],
          ["y", { bracket: { id: "b9", by: ["RCC", 4, null, "", "RCC", "ARB"], reason: "editorial", group: "" } }],
        ],
      ]),
    );
    expect(content.brackets).toEqual([
      { id: "?1", group: null, by: [], reason: "substantive", note: null, text: "x" },
      { id: "b9", group: null, by: ["RCC", "ARB"], reason: "editorial", note: null, text: "y" },
    ]);
    expect(content.text).toBe("[x][y]");
  });

  it("CS7: the attributes of a bracket's first run win when its runs disagree", () => {
    const content = readClause(
      rawDoc([
        [
          ["x", { bracket: { id: "b1", by: ["AFR"], reason: "substantive" } }],
          ["y", { bracket: { id: "b1", by: ["CEPT"], reason: "editorial" } }],
        ],
      ]),
    );
    expect(content.text).toBe("[xy]");
    expect(content.brackets).toEqual([
      { id: "b1", group: null, by: ["AFR"], reason: "substantive", note: null, text: "xy" },
    ]);
    expect(content.figures.byDelegation).toEqual({ AFR: 1 });
  });

  it("CS7: a bracket's note is read trimmed, cut to 200 characters, and null when blank or not a string", () => {
    const long = `${"n".repeat(199)}😀tail`;
    const content = readClause(
      rawDoc([
        [
          ["a", { bracket: { id: "b1", by: ["AFR"], reason: "editorial", note: "  see Res. 37  " } }],
          ["b", { bracket: { id: "b2", by: ["AFR"], reason: "editorial", note: long } }],
          ["c", { bracket: { id: "b3", by: ["AFR"], reason: "editorial", note: "   " } }],
          ["d", { bracket: { id: "b4", by: ["AFR"], reason: "editorial", note: { text: "x" } } }],
        ],
      ]),
    );
    expect(content.brackets.map((b) => b.note)).toEqual(["see Res. 37", "n".repeat(199), null, null]);
    expect(content.paragraphs[0]?.[0]?.bracket).toEqual({
      id: "b1",
      by: ["AFR"],
      reason: "editorial",
      note: "see Res. 37",
    });
  });

  it("CS7: a note round-trips through writeClauseText, and runs with different notes are apart", () => {
    const noted: BracketAttrs = { id: "b1", by: ["CEPT"], reason: "awaiting_instructions", note: "pending capital" };
    const paragraphs: ParagraphRuns[] = [[{ text: "x", bracket: noted }]];
    expect(readClause(docOf(paragraphs)).paragraphs).toEqual(paragraphs);
    expect(describeClause(paragraphs).brackets[0]?.note).toBe("pending capital");
    const split = describeClause([
      [
        { text: "x", bracket: noted },
        { text: "y", bracket: { ...noted, note: null } },
      ],
    ]);
    expect(split.paragraphs[0]).toHaveLength(2);
    expect(split.text).toBe("[xy]");
  });

  it("CS7: a delegation code named __proto__ is an ordinary key", () => {
    const content = readClause(rawDoc([[["x", { bracket: { id: "b1", by: ["__proto__", "constructor"] } }]]]));
    const { byDelegation } = content.figures;
    expect(Object.getPrototypeOf(byDelegation)).toBe(Object.prototype);
    expect(Object.keys(byDelegation).sort()).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(byDelegation, "__proto__")?.value).toBe(1);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it("CS7: reads malformed footnotes with defaults and treats false marks as absent", () => {
    const content = readClause(
      rawDoc([
        [
          ["a", { footnote: { source: 5 } }],
          ["b", { bold: false, italic: 0, bracket: false, footnote: false }],
        ],
      ]),
    );
    expect(content.footnotes).toEqual([{ id: "?fn1", source: "", note: null, anchor: "a" }]);
    expect(content.paragraphs).toEqual([
      [
        { text: "a", footnote: { id: "?fn1", source: "" } },
        { text: "b", italic: true },
      ],
    ]);
    expect(content.figures.openBrackets).toBe(0);
  });

  it("CS7: never throws, and counts one bracket per id or anonymous stretch, whatever the attributes", () => {
    const attributes = fc.dictionary(fc.constantFrom("bold", "italic", "bracket", "footnote", "other"), fc.anything());
    const paragraphs = fc.array(
      fc.array(fc.tuple(fc.string({ unit: fc.constantFrom("a", "b", " "), minLength: 1, maxLength: 4 }), attributes), {
        maxLength: 6,
      }),
      {
        maxLength: 3,
      },
    );
    fc.assert(
      fc.property(paragraphs, (raw) => {
        const content = readClause(rawDoc(raw));
        expect(content.figures.openBrackets).toBe(new Set(content.brackets.map((b) => b.id)).size);
        expect(content.figures.openBrackets).toBe(content.brackets.length);
        expect(content.text.replace(/[[\]]/g, "")).toBe(raw.map((p) => p.map(([s]) => s).join("")).join("\n"));
        expect(isBracketed(content.figures)).toBe(content.brackets.length > 0);
      }),
      { seed: 20220606, numRuns: 300 },
    );
  });
});

describe("figures", () => {
  it("CS1: a clause is bracketed exactly when it has an open bracket", () => {
    expect(isBracketed(NO_FIGURES)).toBe(false);
    expect(isBracketed({ openBrackets: 1, alternatives: 0, byDelegation: {} })).toBe(true);
  });

  it("CS7: figuresOf counts each id once and each proposer once per bracket", () => {
    expect(
      figuresOf([
        { id: "a", group: null, by: ["AFR", "AFR"] },
        { id: "a", group: null, by: ["AFR"] },
        { id: "b", group: "g", by: ["RCC"] },
      ]),
    ).toEqual({ openBrackets: 2, alternatives: 0, byDelegation: { AFR: 1, RCC: 1 } });
  });
});

describe("textToParagraphs", () => {
  it("CM2: a delegate's text becomes one bracket across all its paragraphs", () => {
    const bracket: BracketAttrs = { id: "b-new", by: ["ARB"], reason: "substantive" };
    const paragraphs = textToParagraphs("First line.\r\n\nSecond line.", bracket);
    const content = describeClause(paragraphs);
    expect(content.text).toBe("[First line.]\n\n[Second line.]");
    expect(content.figures).toEqual({ openBrackets: 1, alternatives: 0, byDelegation: { ARB: 1 } });
  });

  it("gives one empty paragraph for empty text", () => {
    expect(textToParagraphs("")).toEqual([[]]);
  });
});
