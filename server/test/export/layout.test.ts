import { describeClause, type ParagraphRuns } from "@gavel/model";
import { describe, expect, it } from "vitest";
import type { ExportClause, ExportDocument } from "../../src/export/index.ts";
import { formatTime, layOut, type PieceParagraph } from "../../src/export/layout.ts";
import { FIXTURE } from "./fixture.ts";

const b1 = { id: "b1", by: ["AFR"], reason: "substantive" } as const;
const b2 = { id: "b2", by: ["CITEL"], reason: "editorial" } as const;
const fn = { id: "f", source: "res37" } as const;

/** Brackets split by plain text, an empty bracketed run, a bracket and a footnote across paragraphs. */
const EDGE_PARAGRAPHS: ParagraphRuns[] = [
  [{ text: "A", bracket: b1 }, { text: "B" }, { text: "C", bracket: b1 }, { text: "", bracket: b2 }],
  [{ text: "D", bracket: b2, footnote: fn }, { text: "" }],
  [
    { text: "E", bracket: b2, footnote: fn },
    { text: "F", footnote: { id: "g", source: "wsis" } },
  ],
];

function clause(overrides: Partial<ExportClause>): ExportClause {
  return { id: "x", label: "9", consensus: "open", pending: [], lock: null, paragraphs: [], ...overrides };
}

function docOf(...clauses: ExportClause[]): ExportDocument {
  return { ...FIXTURE, sections: [{ id: "s", title: "S", clauses }] };
}

function plain(paragraph: PieceParagraph): string {
  return paragraph
    .map((piece) =>
      piece.kind === "text" ? piece.text : piece.kind === "open" ? "[" : piece.kind === "close" ? "]" : "",
    )
    .join("");
}

describe("layOut", () => {
  it("reads brackets as the model does: text and open-bracket counts agree with describeClause", () => {
    const clauses = [...FIXTURE.sections.flatMap((s) => s.clauses), clause({ paragraphs: EDGE_PARAGRAPHS })];
    const layout = layOut(docOf(...clauses), "full");
    layout.sections[0]!.clauses.forEach(({ clause, paragraphs }, i) => {
      const model = describeClause(clause.paragraphs);
      expect(paragraphs.map(plain).join("\n")).toBe(model.text);
      expect(layout.annex![i]![3]).toBe(String(model.figures.openBrackets));
    });
    expect(layout.sections[0]!.clauses.at(-1)!.paragraphs.map(plain)).toEqual(["[A]B[C]", "[D]", "[E]F"]);
  });

  it("puts a footnote's reference after its last run, inside a bracket that closes there", () => {
    const layout = layOut(docOf(clause({ paragraphs: EDGE_PARAGRAPHS })), "full");
    const refs = layout.sections[0]!.clauses[0]!.paragraphs.map((p) =>
      p
        .filter((piece) => piece.kind !== "proposers")
        .map((piece) => (piece.kind === "ref" ? `^${piece.number}` : piece.kind === "text" ? piece.text : "|"))
        .join(""),
    );
    expect(refs).toEqual(["|A|B|C|", "|D|", "|E^1|F^2"]);
    expect(layout.footnotes).toEqual([
      { number: 1, text: "Resolution 37 (Rev. Kigali, 2022)", url: "https://www.itu.int/res37" },
      { number: 2, text: "WSIS Action Lines", url: null },
    ]);
  });

  it("writes a bracket's proposers once, after its last closing in the clause", () => {
    const layout = layOut(docOf(clause({ paragraphs: EDGE_PARAGRAPHS })), "full");
    const drawn = layout.sections[0]!.clauses[0]!.paragraphs.map((p) =>
      p
        .map((piece) =>
          piece.kind === "proposers"
            ? `^{${piece.codes.join(", ")}}`
            : piece.kind === "text"
              ? piece.text
              : piece.kind === "open"
                ? "["
                : piece.kind === "close"
                  ? "]"
                  : "",
        )
        .join(""),
    );
    expect(drawn).toEqual(["[A]B[C]^{AFR}", "[D]", "[E]^{CITEL}F"]);
    const unclaimed = layOut(docOf(clause({ paragraphs: [[{ text: "x", bracket: { ...b1, by: [] } }]] })), "full");
    expect(unclaimed.sections[0]!.clauses[0]!.paragraphs[0]!.map((piece) => piece.kind)).toEqual([
      "open",
      "text",
      "close",
    ]);
  });

  it("scopes footnote ids to their clause", () => {
    const cited = clause({ paragraphs: [[{ text: "a", footnote: fn }]] });
    const layout = layOut(docOf(cited, { ...cited, id: "y", label: "10" }), "full");
    const refs = layout.sections[0]!.clauses.map((c) => c.paragraphs[0]!.filter((piece) => piece.kind === "ref"));
    expect(refs).toEqual([[{ kind: "ref", number: 1 }], [{ kind: "ref", number: 2 }]]);
  });

  it("describes states and locks for the annex", () => {
    const lock = { sub: "u", name: "Sec Bob", at: "2026-01-02T03:04:05+01:00", reason: null };
    const layout = layOut(
      docOf(
        clause({ consensus: "agreed_ad_ref", pending: [] }),
        clause({ consensus: "agreed", lock }),
        clause({ lock: { ...lock, at: "yesterday", reason: "drafting group | 2" } }),
      ),
      "full",
    );
    expect(layout.annex).toEqual([
      ["S, 9", "agreed ad referendum", "—", "0", "—"],
      ["S, 9", "agreed", "Sec Bob, 2026-01-02 02:04 UTC", "0", "—"],
      ["S, 9", "open", "Sec Bob, yesterday: drafting group | 2", "0", "—"],
    ]);
  });

  it("has no annex in the clean variant, and labels the current text", () => {
    const layout = layOut({ ...FIXTURE, revision: null }, "clean");
    expect(layout.annex).toBeNull();
    expect(layout.revision).toBe("Current text");
    expect(formatTime("not a time")).toBe("not a time");
  });

  it("ignores source URLs that are not http(s)", () => {
    const doc = { ...FIXTURE, sources: [{ id: "res37", title: "R", url: "javascript:alert(1)" }] };
    expect(layOut(doc, "full").footnotes[0]).toEqual({ number: 1, text: "R — See resolves 2.", url: null });
  });
});
