import type { BracketAttrs, FootnoteAttrs } from "@gavel/model";
import type { ExportDocument } from "../../src/export/index.ts";

const SHALL: BracketAttrs = { id: "b-shall", by: ["AFR"], reason: "alternative", group: "g1" };
const SHOULD: BracketAttrs = { id: "b-should", by: ["CEPT"], reason: "alternative", group: "g1" };
const INCLUSION: BracketAttrs = { id: "b-inclusion", by: ["AFR", "APT"], reason: "substantive" };
const RES37: FootnoteAttrs = { id: "fn-res37", source: "res37", note: "See resolves 2." };
const UNKNOWN: FootnoteAttrs = { id: "fn-unknown", source: "unknown-src" };

export const XSS_TEXT = `Encourage <script>alert("x")</script> & 'co-operation' *under* programme #1_a|b.`;

/** Two sections; alternatives, a two-run bracket with a bold run, two footnotes, every consensus state. */
export const FIXTURE: ExportDocument = {
  sessionId: "wtdc-25",
  title: "WTDC-25 Action Plan",
  revision: "Rev.1",
  date: "2026-03-04T10:15:00.000Z",
  sources: [
    { id: "res37", title: "Resolution 37 (Rev. Kigali, 2022)", url: "https://www.itu.int/res37" },
    { id: "wsis", title: "WSIS Action Lines" },
  ],
  sections: [
    {
      id: "objectives",
      title: "Objectives",
      clauses: [
        {
          id: "c1",
          label: "1",
          consensus: "open",
          pending: [],
          lock: null,
          paragraphs: [
            [
              { text: "Member States " },
              { text: "shall", bracket: SHALL },
              { text: "should", bracket: SHOULD },
              { text: " promote " },
              { text: "meaningful ", footnote: RES37 },
              { text: "connectivity", bold: true, footnote: RES37 },
              { text: "." },
            ],
          ],
        },
        {
          id: "c2",
          label: "2",
          consensus: "open",
          pending: [],
          lock: null,
          paragraphs: [
            [
              { text: "To " },
              { text: "promote ", bracket: INCLUSION },
              { text: "digital inclusion", bold: true, bracket: INCLUSION },
              { text: " for all." },
            ],
          ],
        },
        {
          id: "c2bis",
          label: "2 bis",
          consensus: "agreed",
          pending: [],
          lock: { sub: "u-chair", name: "Chair Alice", at: "2026-03-04T09:00:00Z", reason: "Agreed in plenary" },
          paragraphs: [[{ text: XSS_TEXT }]],
        },
      ],
    },
    {
      id: "activities",
      title: "Activities",
      clauses: [
        {
          id: "c3",
          label: "3",
          consensus: "agreed_ad_ref",
          pending: ["ARB", "RCC"],
          lock: null,
          paragraphs: [
            [
              { text: "Assist " },
              { text: "developing countries", italic: true, footnote: UNKNOWN },
              { text: " in need." },
            ],
            [{ text: "ITU-D shall report annually." }],
          ],
        },
      ],
    },
  ],
};

/**
 * The clause paragraphs of FIXTURE as plain text: label, literal brackets with their proposers
 * as `^{CODES}`, `^N` footnote references.
 */
export const EXPECTED_CLAUSE_TEXTS = [
  "1 Member States [shall]^{AFR}[should]^{CEPT} promote meaningful connectivity^1.",
  "2 To [promote digital inclusion]^{AFR, APT} for all.",
  `2 bis ${XSS_TEXT}`,
  "3 Assist developing countries^2 in need.",
  "ITU-D shall report annually.",
];

/** EXPECTED_CLAUSE_TEXTS without brackets and proposers: what CLEAN_FIXTURE reads. */
export const EXPECTED_CLEAN_TEXTS = EXPECTED_CLAUSE_TEXTS.map((text) => text.replace(/\^\{[^}]*\}|[[\]]/g, ""));

/** FIXTURE with every bracket mark removed, as the clean variant is meant for. */
export const CLEAN_FIXTURE: ExportDocument = {
  ...FIXTURE,
  sections: FIXTURE.sections.map((section) => ({
    ...section,
    clauses: section.clauses.map((clause) => ({
      ...clause,
      paragraphs: clause.paragraphs.map((runs) => runs.map(({ bracket: _bracket, ...run }) => run)),
    })),
  })),
};
