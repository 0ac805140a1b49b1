import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clauseDocName, indexDocName, isValidSegment, parseDocName } from "../src/index.ts";

const FC_SEED = 20_240_611;

/** A segment of the allowed shape: lower-case ASCII letter/digit, then up to 47 of [a-z0-9-]. */
const segment = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,47}$/);

describe("parseDocName", () => {
  it("accepts SESSION/SECTION as a section index", () => {
    expect(parseDocName("wtdc-22/glossary")).toEqual({
      ok: true,
      value: { kind: "index", name: "wtdc-22/glossary", session: "wtdc-22", section: "glossary" },
    });
  });

  it("accepts SESSION/SECTION/CLAUSE as a clause", () => {
    expect(parseDocName("wtdc-22/glossary/c1")).toEqual({
      ok: true,
      value: { kind: "clause", name: "wtdc-22/glossary/c1", session: "wtdc-22", section: "glossary", clause: "c1" },
    });
  });

  it("accepts segments of exactly 48 characters and rejects 49", () => {
    const max = `a${"b".repeat(47)}`;
    expect(parseDocName(`${max}/${max}/${max}`).ok).toBe(true);
    expect(parseDocName(`${max}b/s/c`).ok).toBe(false);
    expect(parseDocName(`s/${max}b`).ok).toBe(false);
  });

  it.each([
    ["uppercase session", "Session/main"],
    ["uppercase clause", "s1/main/C1"],
    ["a dot in a segment", "s1/ma.in"],
    ["a dot-dot segment", "s1/../c1"],
    ["dot-dot as the whole section", "s1/.."],
    ["a lone dot segment", "s1/./c1"],
    ["an empty middle segment", "s1//c1"],
    ["a leading slash", "/s1/main"],
    ["a trailing slash", "s1/main/"],
    ["the empty string", ""],
    ["a single segment", "s1"],
    ["four segments", "s1/main/c1/extra"],
    ["unicode letters", "sessión/main"],
    ["a fullwidth letter", "ｓ1/main"],
    ["an emoji", "s1/🙂"],
    ["a leading hyphen", "-s1/main"],
    ["a leading hyphen in the clause", "s1/main/-c1"],
    ["an underscore", "s1/main_text"],
    ["a space", "s1/main text"],
    ["a trailing newline", "s1/main\n"],
    ["a NUL byte", "s1/main\u0000x"],
    ["a backslash", "s1\\main"],
    ["a percent-encoded slash", "s1%2fmain"],
  ])("rejects %s (%j)", (_what, name) => {
    const parsed = parseDocName(name);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/document name/);
  });

  it("rejects names longer than 160 characters as too long", () => {
    const name = `s1/${"a".repeat(158)}`;
    expect(name.length).toBe(161);
    expect(parseDocName(name)).toEqual({ ok: false, reason: "document name too long" });
  });

  it(`round-trips indexDocName and clauseDocName for any valid segments (fast-check seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(segment, segment, segment, (session, section, clause) => {
        expect(isValidSegment(session) && isValidSegment(section) && isValidSegment(clause)).toBe(true);
        const index = indexDocName(session, section);
        expect(parseDocName(index)).toEqual({ ok: true, value: { kind: "index", name: index, session, section } });
        const name = clauseDocName(session, section, clause);
        expect(parseDocName(name)).toEqual({
          ok: true,
          value: { kind: "clause", name, session, section, clause },
        });
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it(`never accepts a name with a character outside [a-z0-9/-] (fast-check seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(segment, segment, fc.string({ minLength: 1, maxLength: 1, unit: "binary" }), (a, b, ch) => {
        fc.pre(!/^[a-z0-9/-]$/.test(ch));
        const name = `${a}/${b}${ch}`;
        expect(parseDocName(name).ok).toBe(false);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
