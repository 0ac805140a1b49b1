import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  type BracketAttrs,
  type BracketWriter,
  CLAUSE_FRAGMENT,
  type ClauseBracket,
  decideBracketEdit,
  holdsBracket,
  needsOwnershipCheck,
  type ParagraphRuns,
  type RuleDecision,
  readClause,
  writeClauseText,
} from "../src/index.ts";

const AFR: BracketWriter = { role: "delegate", delegation: "AFR" };
const CEPT_BRACKET: BracketAttrs = { id: "b-cept", by: ["CEPT"], reason: "substantive" };
const AFR_BRACKET: BracketAttrs = { id: "b-afr", by: ["AFR"], reason: "editorial" };
const SHARED: BracketAttrs = { id: "b-both", by: ["AFR", "CEPT"], reason: "substantive" };

/** "Member States [shall] act [now] [together]." with CEPT's, AFR's and a shared bracket. */
const CLAUSE: ParagraphRuns[] = [
  [
    { text: "Member States " },
    { text: "shall", bracket: CEPT_BRACKET },
    { text: " act " },
    { text: "now", bracket: AFR_BRACKET },
    { text: " " },
    { text: "together", bracket: SHARED },
    { text: "." },
  ],
];

/** The brackets of CLAUSE before and after `edit`, which works on the clause's text node. */
function edited(edit: (text: Y.XmlText) => void): { before: ClauseBracket[]; after: ClauseBracket[] } {
  const doc = new Y.Doc();
  writeClauseText(doc, CLAUSE);
  const before = readClause(doc).brackets;
  const paragraph = doc.getXmlFragment(CLAUSE_FRAGMENT).get(0) as Y.XmlElement;
  edit(paragraph.get(0) as Y.XmlText);
  const after = readClause(doc).brackets;
  doc.destroy();
  return { before, after };
}

/** Offsets in CLAUSE's text: "Member States " is 14, "shall" 14-19, " act " 19-24, "now" 24-27, " " 27, "together" 28-36. */
const SHALL = 14;
const NOW = 24;
const TOGETHER = 28;

function decide(writer: BracketWriter, edit: (text: Y.XmlText) => void): RuleDecision {
  const { before, after } = edited(edit);
  return decideBracketEdit(writer, before, after);
}

function refusedBy(decision: RuleDecision): string | null {
  return decision.ok ? null : `${decision.error.code} ${decision.error.rule}`;
}

describe("bracket ownership", () => {
  it("BO1: a delegation holds the brackets it proposes; a token without a delegation holds none", () => {
    expect(holdsBracket("AFR", SHARED)).toBe(true);
    expect(holdsBracket("AFR", CEPT_BRACKET)).toBe(false);
    expect(holdsBracket(null, { by: [] })).toBe(false);
    const noDelegation: BracketWriter = { role: "delegate", delegation: null };
    expect(refusedBy(decide(noDelegation, (t) => t.format(NOW, 3, { bracket: null })))).toBe("BRACKET_OWNED BO2");
    expect(refusedBy(decide(noDelegation, (t) => t.insert(0, "Now ")))).toBeNull();
  });

  it("BO1: the chair and the secretariat may change any bracket", () => {
    for (const role of ["chair", "secretariat"] as const) {
      const writer: BracketWriter = { role, delegation: null };
      expect(decide(writer, (t) => t.format(SHALL, 5, { bracket: null })).ok).toBe(true);
      expect(decide(writer, (t) => t.delete(TOGETHER, 8)).ok).toBe(true);
      expect(needsOwnershipCheck(writer, [CEPT_BRACKET])).toBe(false);
    }
  });

  it("BO2: a delegate may not withdraw, narrow, widen or retype another delegation's bracket", () => {
    const cases: [string, (t: Y.XmlText) => void][] = [
      ["withdrawn (mark removed)", (t) => t.format(SHALL, 5, { bracket: null })],
      ["deleted with its text", (t) => t.delete(SHALL - 1, 7)],
      ["narrowed", (t) => t.format(SHALL, 1, { bracket: null })],
      ["widened", (t) => t.format(SHALL - 7, 7, { bracket: { ...CEPT_BRACKET, group: null, note: null } })],
      ["text changed inside", (t) => t.insert(SHALL + 2, "x", { bracket: { ...CEPT_BRACKET } })],
      ["a character deleted", (t) => t.delete(SHALL + 4, 1)],
      ["reason changed", (t) => t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, reason: "editorial" } })],
      ["note changed", (t) => t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, note: "mine now" } })],
    ];
    for (const [what, edit] of cases) expect(refusedBy(decide(AFR, edit)), what).toBe("BRACKET_OWNED BO2");
  });

  it("BO2: an alternative may be added beside another delegation's bracket, which then gets a group", () => {
    const decision = decide(AFR, (t) => {
      t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, group: "g1" } });
      t.insert(SHALL + 5, "should", { bracket: { id: "b-new", by: ["AFR"], reason: "alternative", group: "g1" } });
    });
    expect(decision.ok).toBe(true);
    // Once grouped, the group is the bracket's own: it may not be moved to another one.
    const { after } = edited((t) => t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, group: "g1" } }));
    const regrouped = after.map((b) => (b.id === "b-cept" ? { ...b, group: "g2" } : b));
    expect(refusedBy(decideBracketEdit(AFR, after, regrouped))).toBe("BRACKET_OWNED BO2");
  });

  it("BO2: typing next to another delegation's bracket, and new brackets, are allowed", () => {
    expect(decide(AFR, (t) => t.insert(0, "All ")).ok).toBe(true);
    expect(decide(AFR, (t) => t.insert(SHALL + 5, "!", { bracket: null })).ok).toBe(true);
    expect(decide(AFR, (t) => t.format(0, 6, { bracket: { id: "b-x", by: ["AFR"], reason: "editorial" } })).ok).toBe(
      true,
    );
  });

  it("BO3: a delegate co-sponsors another delegation's bracket, and withdraws only its own delegation", () => {
    const cosponsor = decide(AFR, (t) => t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, by: ["CEPT", "AFR"] } }));
    expect(cosponsor.ok).toBe(true);
    const withdraw = decide(AFR, (t) => t.format(TOGETHER, 8, { bracket: { ...SHARED, by: ["CEPT"] } }));
    expect(withdraw.ok).toBe(true);
    const dropOther = decide(AFR, (t) => t.format(TOGETHER, 8, { bracket: { ...SHARED, by: ["AFR"] } }));
    expect(refusedBy(dropOther)).toBe("BRACKET_OWNED BO3");
    const addOther = decide(AFR, (t) => t.format(NOW, 3, { bracket: { ...AFR_BRACKET, by: ["AFR", "ARB"] } }));
    expect(refusedBy(addOther)).toBe("BRACKET_OWNED BO3");
    const cosponsorForOthers = decide(AFR, (t) =>
      t.format(SHALL, 5, { bracket: { ...CEPT_BRACKET, by: ["CEPT", "AFR", "ARB"] } }),
    );
    expect(refusedBy(cosponsorForOthers)).toBe("BRACKET_OWNED BO3");
  });

  it("BO3: the last proposer withdraws by removing the mark; the text stays, and no bracket is left without proposers", () => {
    const removed = edited((t) => t.format(NOW, 3, { bracket: null }));
    expect(decideBracketEdit(AFR, removed.before, removed.after).ok).toBe(true);
    expect(removed.after.map((b) => b.id)).toEqual(["b-cept", "b-both"]);
    const emptied = decide(AFR, (t) => t.format(NOW, 3, { bracket: { ...AFR_BRACKET, by: [] } }));
    expect(refusedBy(emptied)).toBe("BRACKET_OWNED BO3");
    // A bracket others hold too is not removed by one of them; its text may change.
    expect(refusedBy(decide(AFR, (t) => t.format(TOGETHER, 8, { bracket: null })))).toBe("BRACKET_OWNED BO3");
    expect(decide(AFR, (t) => t.insert(TOGETHER + 2, "x", { bracket: { ...SHARED } })).ok).toBe(true);
    expect(decide(AFR, (t) => t.delete(NOW, 1)).ok).toBe(true);
  });

  it("BO4: nothing to check when the writer's delegation holds every bracket of the clause", () => {
    expect(needsOwnershipCheck(AFR, [])).toBe(false);
    expect(needsOwnershipCheck(AFR, [AFR_BRACKET, SHARED])).toBe(false);
    expect(needsOwnershipCheck(AFR, [AFR_BRACKET, CEPT_BRACKET])).toBe(true);
    expect(needsOwnershipCheck({ role: "delegate", delegation: null }, [SHARED])).toBe(true);
    // New brackets are never refused, whoever they name.
    const before = readClause(docOf([[{ text: "plain" }]])).brackets;
    const after = readClause(docOf([[{ text: "plain", bracket: CEPT_BRACKET }]])).brackets;
    expect(decideBracketEdit(AFR, before, after).ok).toBe(true);
  });

  it("BO2: a refusal names the bracket and its proposers", () => {
    const decision = decide(AFR, (t) => t.format(SHALL, 5, { bracket: null }));
    expect(decision.ok ? "" : decision.error.message).toMatch(/held by CEPT \(\[shall\]\)/);
  });
});

function docOf(paragraphs: readonly ParagraphRuns[]): Y.Doc {
  const doc = new Y.Doc();
  writeClauseText(doc, paragraphs);
  return doc;
}
