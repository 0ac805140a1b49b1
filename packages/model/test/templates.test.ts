import { describe, expect, it } from "vitest";
import {
  describeClause,
  isValidSegment,
  labelClauses,
  type SessionTemplate,
  TEMPLATES,
  templateClauseEntries,
} from "../src/index.ts";

const SEED = { sub: "server", name: "Gavel", at: "2022-06-06T09:00:00.000Z" };

function clausesOf(template: SessionTemplate) {
  return template.sections.flatMap((section) => section.clauses.map((clause) => ({ section, clause })));
}

describe.each(Object.entries(TEMPLATES))("template %s", (_, template) => {
  it("has a source registry with unique, valid ids", () => {
    const ids = template.sources.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const source of template.sources) {
      expect(isValidSegment(source.id), source.id).toBe(true);
      expect(source.title.length).toBeGreaterThan(0);
    }
  });

  it("cites only registered sources, with footnote ids unique in the template", () => {
    const registered = new Set(template.sources.map((s) => s.id));
    const footnotes = clausesOf(template).flatMap(({ clause }) => describeClause(clause.paragraphs).footnotes);
    for (const footnote of footnotes) expect(registered.has(footnote.source), footnote.id).toBe(true);
    const ids = footnotes.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("CS3: agreed and agreed ad referendum clauses have no brackets", () => {
    for (const { section, clause } of clausesOf(template)) {
      if ((clause.consensus ?? "open") === "open") continue;
      expect(describeClause(clause.paragraphs).figures.openBrackets, `${section.id}/${clause.id}`).toBe(0);
    }
  });

  it("CS4: agreed ad referendum clauses, and only they, list pending delegations", () => {
    for (const { section, clause } of clausesOf(template)) {
      const name = `${section.id}/${clause.id}`;
      if (clause.consensus === "agreed_ad_ref") expect(clause.pending?.length ?? 0, name).toBeGreaterThan(0);
      else expect(clause.pending, name).toBeUndefined();
    }
  });

  it("LK2: a locked clause that is not agreed has a reason", () => {
    for (const { section, clause } of clausesOf(template)) {
      if (clause.locked && clause.consensus !== "agreed") {
        expect(clause.locked.reason?.trim(), `${section.id}/${clause.id}`).toBeTruthy();
      }
    }
  });

  it("NB1: seeds index entries numbered 1..n with the template's state, lock and figures", () => {
    for (const section of template.sections) {
      const entries = templateClauseEntries(section, SEED);
      expect(entries.map((e) => e.id)).toEqual(section.clauses.map((c) => c.id));
      expect(labelClauses(entries)).toEqual(section.clauses.map((_, i) => String(i + 1)));
      entries.forEach((entry, i) => {
        const clause = section.clauses[i];
        expect(entry.consensus.state).toBe(clause?.consensus ?? "open");
        expect(entry.lock).toEqual(clause?.locked ? { ...SEED, reason: clause.locked.reason } : null);
        expect(entry.figures).toEqual(describeClause(clause?.paragraphs ?? []).figures);
        expect(entry.formerNumbers).toEqual([]);
      });
    }
  });
});

describe("the wtdc-action-plan negotiation state", () => {
  const template = TEMPLATES["wtdc-action-plan"];
  const all = clausesOf(template);

  it("registers the sources of the base document", () => {
    expect(template.sources.map((s) => s.id)).toEqual([
      "sp-2024-2027",
      "tdag-wg-rdtp",
      "tdag-wg-sop",
      "cwg-sfp",
      "ms-contributions",
    ]);
  });

  it("cites every source, on several clauses", () => {
    const cited = all.filter(({ clause }) => describeClause(clause.paragraphs).footnotes.length > 0);
    expect(cited.length).toBeGreaterThanOrEqual(4);
    const sources = new Set(
      cited.flatMap(({ clause }) => describeClause(clause.paragraphs).footnotes.map((f) => f.source)),
    );
    expect([...sources].sort()).toEqual(template.sources.map((s) => s.id).sort());
  });

  it("has one agreed and locked clause and one agreed ad referendum pending ARB and RCC", () => {
    const locked = all.filter(({ clause }) => clause.locked);
    expect(locked.map(({ section, clause }) => `${section.id}/${clause.id}`)).toEqual(["regional-initiatives/c1"]);
    expect(locked[0]?.clause.consensus).toBe("agreed");
    const adRef = all.filter(({ clause }) => clause.consensus === "agreed_ad_ref");
    expect(adRef.map(({ clause }) => clause.pending)).toEqual([["ARB", "RCC"]]);
  });

  it("CS7: groups its alternatives, so they count as alternatives", () => {
    const alternatives = all.reduce((n, { clause }) => n + describeClause(clause.paragraphs).figures.alternatives, 0);
    expect(alternatives).toBeGreaterThanOrEqual(2);
    for (const { clause } of all) {
      for (const bracket of describeClause(clause.paragraphs).brackets) {
        if (bracket.reason === "alternative") expect(bracket.group, bracket.id).not.toBeNull();
      }
    }
  });

  it("proposes Cybersecurity as Thematic Priority 4 in a section entirely in brackets", () => {
    const section = template.sections.find((s) => s.id === "thematic-priority-4");
    expect(section?.title).toBe("Thematic priority 4: Cybersecurity (proposed)");
    expect(section?.clauses.length).toBeGreaterThanOrEqual(3);
    expect(section?.clauses.length).toBeLessThanOrEqual(4);
    for (const clause of section?.clauses ?? []) {
      const runs = clause.paragraphs.flat();
      expect(runs.length, clause.id).toBeGreaterThan(0);
      for (const run of runs) {
        expect(run.bracket?.reason, `${clause.id}: ${run.text}`).toBe("substantive");
        for (const code of run.bracket?.by ?? []) expect(["AFR", "ARB", "RCC"]).toContain(code);
      }
    }
  });

  it("keeps the clause ids other tests open", () => {
    const names = new Set(all.map(({ section, clause }) => `${section.id}/${clause.id}`));
    const expected = [
      ...Array.from({ length: 8 }, (_, i) => `implementation/c${i + 1}`),
      "glossary/c1",
      "glossary/c2",
      "introduction/c1",
      "study-group-questions/c1",
      "resolutions-recommendations/c1",
    ];
    for (const name of expected) expect(names.has(name), name).toBe(true);
  });

  it("leaves the first clauses open and unlocked, for the load benchmark and the endpoint tests", () => {
    // scripts/bench.ts writes to the first 20 clause documents in template order.
    for (const { section, clause } of all.slice(0, 20)) {
      expect(clause.locked, `${section.id}/${clause.id}`).toBeUndefined();
    }
  });
});
