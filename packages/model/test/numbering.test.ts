import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  type ClauseEntry,
  canonicalLabel,
  findByLabel,
  INDEX_META,
  INDEX_TAKEN_UP,
  LATIN_SUFFIXES,
  labelClauses,
  NO_FIGURES,
  readSectionIndex,
  readTakenUp,
  renumber,
  writeSectionIndex,
} from "../src/index.ts";

function entry(id: string, number: number | null, formerNumbers: readonly string[] = []): ClauseEntry {
  return {
    id,
    createdAt: "2022-06-06T09:00:00.000Z",
    createdBy: "u-chair",
    consensus: { state: "open" },
    lock: null,
    number,
    formerNumbers,
    figures: NO_FIGURES,
  };
}

/** A section from a compact spec: numbers, null for an inserted clause. */
function section(numbers: readonly (number | null)[]): ClauseEntry[] {
  return numbers.map((n, i) => entry(`c${i + 1}`, n));
}

describe("labelClauses", () => {
  it("NB1: a clause with a number shows it", () => {
    expect(labelClauses(section([1, 2, 3]))).toEqual(["1", "2", "3"]);
  });

  it("NB1: a moved clause keeps its number until renumbering", () => {
    expect(labelClauses(section([1, 3, 2]))).toEqual(["1", "3", "2"]);
  });

  it("NB2: an inserted clause shows its predecessor's number with bis, ter ... decies", () => {
    const labels = labelClauses(section([1, 2, 3, null, null, 4]));
    expect(labels).toEqual(["1", "2", "3", "3 bis", "3 ter", "4"]);
  });

  it("NB2: the suffixes run bis to decies in order", () => {
    const labels = labelClauses(section([3, ...LATIN_SUFFIXES.map(() => null)]));
    expect(labels).toEqual([
      "3",
      "3 bis",
      "3 ter",
      "3 quater",
      "3 quinquies",
      "3 sexies",
      "3 septies",
      "3 octies",
      "3 novies",
      "3 decies",
    ]);
  });

  it("NB2: a clause inserted before any numbered clause is 0 bis", () => {
    expect(labelClauses(section([null, null, 1, 2]))).toEqual(["0 bis", "0 ter", "1", "2"]);
  });

  it("NB2: the suffix restarts after each numbered clause", () => {
    expect(labelClauses(section([1, null, 2, null, null]))).toEqual(["1", "1 bis", "2", "2 bis", "2 ter"]);
  });

  it("NB3: beyond decies the label is the ordinal in brackets", () => {
    const labels = labelClauses(section([3, ...Array.from({ length: 11 }, () => null)]));
    expect(labels.slice(9)).toEqual(["3 decies", "3 (11)", "3 (12)"]);
  });

  it("NB2: labels an empty section with nothing", () => {
    expect(labelClauses([])).toEqual([]);
  });
});

describe("renumber", () => {
  it("NB4: numbers 1..n in order and keeps previous labels in formerNumbers", () => {
    const result = renumber(section([1, 2, null, 3]));
    expect(result.map((e) => e.number)).toEqual([1, 2, 3, 4]);
    expect(result.map((e) => e.formerNumbers)).toEqual([[], [], ["2 bis"], ["3"]]);
  });

  it("NB4: a clause whose label does not change is returned untouched", () => {
    const entries = section([1, 2, null]);
    const result = renumber(entries);
    expect(result[0]).toBe(entries[0]);
    expect(result[1]).toBe(entries[1]);
    expect(result[2]).not.toBe(entries[2]);
  });

  it("NB4: renumbering twice appends one former label per change, oldest first", () => {
    const once = renumber(section([1, null, 2]));
    const inserted: ClauseEntry[] = [entry("new", null), ...once];
    const twice = renumber(inserted);
    expect(twice.map((e) => e.number)).toEqual([1, 2, 3, 4]);
    expect(twice.find((e) => e.id === "c2")?.formerNumbers).toEqual(["1 bis", "2"]);
    expect(twice.find((e) => e.id === "c3")?.formerNumbers).toEqual(["2", "3"]);
    expect(twice.find((e) => e.id === "new")?.formerNumbers).toEqual(["0 bis"]);
  });

  it("NB4: a renumbered section is stable under another renumbering", () => {
    const once = renumber(section([2, null, 1, null, null]));
    expect(renumber(once)).toEqual(once);
  });

  it("NB4: does not change the entries it is given", () => {
    const entries = section([1, null]);
    const copy = structuredClone(entries);
    renumber(entries);
    expect(entries).toEqual(copy);
  });
});

describe("findByLabel", () => {
  const entries = [entry("a", 1), entry("b", null), entry("c", 2, ["1 bis"]), entry("d", 3, ["2"])];

  it("NB5: finds a clause by its current label", () => {
    expect(findByLabel(entries, "1 bis")?.id).toBe("b");
    expect(findByLabel(entries, "3")?.id).toBe("d");
  });

  it("NB5: the current label wins over a former one", () => {
    // "2" is c's current label and d's former one.
    expect(findByLabel(entries, "2")?.id).toBe("c");
  });

  it("NB5: finds a clause by a former label when no clause shows it now", () => {
    const renumbered = renumber(section([1, null, 2]));
    expect(findByLabel(renumbered, "1 bis")?.id).toBe("c2");
  });

  it("NB5: reads 3bis, 3 BIS and 3 (2) as 3 bis", () => {
    const s = section([3, null]);
    for (const label of ["3 bis", "3bis", " 3  BIS ", "3 (2)", "3(2)"])
      expect(findByLabel(s, label)?.id, label).toBe("c2");
  });

  it("NB5: finds nothing for an unknown or malformed label", () => {
    expect(findByLabel(entries, "9")).toBeNull();
    expect(findByLabel(entries, "1 tris")).toBeNull();
    expect(findByLabel(entries, "")).toBeNull();
    expect(findByLabel(entries, "bis")).toBeNull();
  });

  it("NB5: canonical labels", () => {
    expect(canonicalLabel("03")).toBe("3");
    expect(canonicalLabel("3 (10)")).toBe("3 decies");
    expect(canonicalLabel("3 (11)")).toBe("3 (11)");
    expect(canonicalLabel("3 (1)")).toBeNull();
    expect(canonicalLabel("three")).toBeNull();
  });
});

describe("readSectionIndex", () => {
  it("NB2: returns each clause with its computed label and its stored number", () => {
    const doc = new Y.Doc();
    writeSectionIndex(doc, { session: "s1", section: "main", title: "Main" }, section([1, null, 2]));
    const { title, clauses } = readSectionIndex(doc);
    expect(title).toBe("Main");
    expect(clauses.map((c) => [c.id, c.number, c.label])).toEqual([
      ["c1", 1, "1"],
      ["c2", null, "1 bis"],
      ["c3", 2, "2"],
    ]);
  });

  it("TU1: reads the clause taken up, and none when it is malformed or no longer in the section", () => {
    const doc = new Y.Doc();
    writeSectionIndex(doc, { session: "s1", section: "main", title: "Main" }, section([1, 2]));
    expect(readSectionIndex(doc).takenUp).toBeNull();
    const meta = doc.getMap<unknown>(INDEX_META);
    const takenUp = { clause: "c2", sub: "u-chair", name: "Chair", at: "2026-01-01T10:00:00.000Z" };
    meta.set(INDEX_TAKEN_UP, takenUp);
    expect(readSectionIndex(doc).takenUp).toEqual(takenUp);
    meta.set(INDEX_TAKEN_UP, { ...takenUp, clause: "c9" });
    expect(readTakenUp(doc)).toBeNull();
    meta.set(INDEX_TAKEN_UP, { ...takenUp, at: 5 });
    expect(readTakenUp(doc)).toBeNull();
    meta.set(INDEX_TAKEN_UP, null);
    expect(readTakenUp(doc)).toBeNull();
  });
});
