import fc from "fast-check";
import type { BracketAttrs, FootnoteAttrs, ParagraphRuns, TextRun } from "../../src/index.ts";

/** Seed of the clause property tests: printed in their titles, so a failure can be replayed. */
export const SEED = Number(process.env.GAVEL_SEED ?? 20261201);

/** A small pool, so that runs share brackets (one bracket over several runs) and alternatives occur. */
const brackets: readonly BracketAttrs[] = [
  { id: "b1", by: ["AFR"], reason: "substantive" },
  { id: "b2", by: ["CEPT", "AFR"], reason: "alternative", group: "g1" },
  { id: "b3", by: ["CITEL"], reason: "alternative", group: "g1", note: "see Res. 12" },
  { id: "b4", by: [], reason: "placeholder" },
];
const footnotes: readonly FootnoteAttrs[] = [
  { id: "f1", source: "itu-r-m1036" },
  { id: "f2", source: "wtdc-22", note: "para. 4" },
];

const run: fc.Arbitrary<TextRun> = fc.record(
  {
    text: fc.stringMatching(/^[a-zé ,.;]{1,8}$/),
    bold: fc.constant(true),
    italic: fc.constant(true),
    bracket: fc.constantFrom(...brackets),
    footnote: fc.constantFrom(...footnotes),
  },
  { requiredKeys: ["text"] },
);

/** Random layout-neutral content: paragraphs of runs (empty paragraphs included). */
export const clauseContent: fc.Arbitrary<ParagraphRuns[]> = fc.array(fc.array(run, { maxLength: 6 }), {
  minLength: 1,
  maxLength: 4,
});
