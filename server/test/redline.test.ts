import {
  type BracketAttrs,
  CLAUSE_FRAGMENT,
  type ClauseEntry,
  NO_FIGURES,
  prosemirrorLayout,
  readClause,
  writeClauseText,
  writeSectionIndex,
} from "@gavel/model";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { clauseSegments, type RedlineSegment } from "../src/core/clauseRedline.ts";
import { sectionRedline } from "../src/core/sectionRedline.ts";
import type { StoredUpdate, UpdateAuthor } from "../src/store/Store.ts";
import { type Rng, seededRng } from "./support/prng.ts";

const KEY = "s1/main";
const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const AFR: UpdateAuthor = { sub: "u-afr", name: "Delegate of AFR", role: "delegate", delegation: "AFR" };
const CEPT: UpdateAuthor = { sub: "u-cept", name: "Delegate of CEPT", role: "delegate", delegation: "CEPT" };
const CHAIR: UpdateAuthor = { sub: "u-chair", name: "Chair", role: "chair", delegation: null };
const by = ({ name, delegation, role }: UpdateAuthor) => ({ name, delegation, role });

/** A log being written: every change of a client's document is stored as one record with its author. */
class Log {
  readonly records: StoredUpdate[] = [];

  record(doc: string, author: UpdateAuthor, update: Uint8Array, command?: object): void {
    const id = String(this.records.length + 1).padStart(6, "0");
    this.records.push({
      id,
      doc,
      update,
      author,
      at: this.records.length,
      command: command && JSON.stringify(command),
    });
  }

  /** Runs `change` on `doc` and stores what it did. */
  edit(name: string, doc: Y.Doc, author: UpdateAuthor, change: () => void, peers: Y.Doc[] = []): void {
    const before = Y.encodeStateVector(doc);
    change();
    const update = Y.encodeStateAsUpdate(doc, before);
    this.record(name, author, update);
    for (const peer of peers) Y.applyUpdate(peer, update);
  }
}

function entry(id: string, number: number | null): ClauseEntry {
  return {
    id,
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: "server",
    consensus: { state: "open" },
    lock: null,
    number,
    formerNumbers: [],
    figures: NO_FIGURES,
  };
}

function textOf(doc: Y.Doc, paragraph = 0): Y.XmlText {
  return (doc.getXmlFragment(CLAUSE_FRAGMENT).get(paragraph) as Y.XmlElement).get(0) as Y.XmlText;
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

const project = (segments: readonly RedlineSegment[], side: "from" | "to") =>
  segments
    .filter((s) => s.kind === "same" || s.kind === (side === "from" ? "deleted" : "inserted"))
    .map((s) => s.text)
    .join("");

const replayText = (records: readonly StoredUpdate[]) => {
  const doc = new Y.Doc();
  for (const record of records) Y.applyUpdate(doc, record.update);
  return readClause(doc).text;
};

describe("redline", () => {
  it("attributes each insertion and deletion to the author of the stored update that made it", () => {
    const log = new Log();
    const seed = new Y.Doc();
    writeClauseText(seed, [[{ text: "Member States shall act." }]]);
    log.record(`${KEY}/c1`, SERVER, Y.encodeStateAsUpdate(seed));
    const afr = copyOf(seed);
    const cept = copyOf(seed);
    const before = log.records.length; // Rev.1 is taken here

    log.edit(`${KEY}/c1`, afr, AFR, () => textOf(afr).insert(14, "and Sector Members "), [cept]);
    log.edit(`${KEY}/c1`, cept, CEPT, () => textOf(cept).delete(33, 6), [afr]); // "shall "
    log.edit(`${KEY}/c1`, cept, CEPT, () => textOf(cept).insert(33, "should "), [afr]);
    log.edit(`${KEY}/c1`, afr, AFR, () => textOf(afr).delete(0, 7), [cept]); // "Member "
    const bracket: BracketAttrs = { id: "b1", by: ["CEPT"], reason: "substantive" };
    log.edit(`${KEY}/c1`, cept, CEPT, () => textOf(cept).format(26, 6, { bracket }), [afr]); // "should"

    const segments = clauseSegments(log.records, before, prosemirrorLayout);
    expect(segments).toEqual([
      { text: "Member ", kind: "deleted", by: by(AFR) },
      { text: "States ", kind: "same", by: null },
      { text: "and Sector Members ", kind: "inserted", by: by(AFR) },
      { text: "shall ", kind: "deleted", by: by(CEPT) },
      { text: "[should] ", kind: "inserted", by: by(CEPT) },
      { text: "act.", kind: "same", by: null },
    ]);
    expect(project(segments, "to")).toBe(replayText(log.records));
    expect(project(segments, "from")).toBe("Member States shall act.");
  });

  it("shows bracket signs added or removed around kept text as changes of the signs, by whoever changed the mark", () => {
    const log = new Log();
    const seed = new Y.Doc();
    const cept: BracketAttrs = { id: "b1", by: ["CEPT"], reason: "editorial" };
    writeClauseText(seed, [[{ text: "to " }, { text: "promote", bracket: cept }, { text: " inclusion" }]]);
    log.record(`${KEY}/c1`, SERVER, Y.encodeStateAsUpdate(seed));
    const chair = copyOf(seed);
    const before = log.records.length;
    log.edit(`${KEY}/c1`, chair, CHAIR, () => textOf(chair).format(3, 7, { bracket: null }));
    const afr: BracketAttrs = { id: "b2", by: ["AFR"], reason: "substantive" };
    log.edit(`${KEY}/c1`, chair, AFR, () => textOf(chair).format(11, 9, { bracket: afr }));
    expect(clauseSegments(log.records, before, prosemirrorLayout)).toEqual([
      { text: "to ", kind: "same", by: null },
      { text: "[", kind: "deleted", by: by(CHAIR) },
      { text: "promote", kind: "same", by: null },
      { text: "]", kind: "deleted", by: by(CHAIR) },
      { text: " ", kind: "same", by: null },
      { text: "[", kind: "inserted", by: by(AFR) },
      { text: "inclusion", kind: "same", by: null },
      { text: "]", kind: "inserted", by: by(AFR) },
    ]);
  });

  it("lists a section's clauses in order: added, modified, unchanged, and removed ones where they stood", () => {
    const log = new Log();
    const index = new Y.Doc();
    writeSectionIndex(index, { session: "s1", section: "main", title: "Main" }, [entry("c1", 1), entry("c2", 2)]);
    log.record(KEY, SERVER, Y.encodeStateAsUpdate(index));
    const clauses = ["c1", "c2"].map((id) => {
      const doc = new Y.Doc();
      writeClauseText(doc, [[{ text: `Text of ${id}.` }]]);
      log.record(`${KEY}/${id}`, SERVER, Y.encodeStateAsUpdate(doc));
      return doc;
    });
    const before = log.records.length;
    const c3 = new Y.Doc();
    writeClauseText(c3, [[{ text: "New." }]]);
    log.record(`${KEY}/c3`, AFR, Y.encodeStateAsUpdate(c3));
    log.edit(KEY, index, AFR, () => {
      index.getMap("clauses").set("c3", entry("c3", null));
      index.getArray("order").push(["c3"]);
    });
    const command = { type: "deleteClause", section: "main", clause: "c1" };
    const indexBefore = Y.encodeStateVector(index);
    index.getArray("order").delete(0, 1);
    index.getMap("clauses").delete("c1");
    log.record(KEY, CHAIR, Y.encodeStateAsUpdate(index, indexBefore), command);
    log.edit(`${KEY}/c2`, clauses[1]!, CEPT, () => textOf(clauses[1]!).insert(0, "The "));

    const redline = sectionRedline(KEY, log.records, before, prosemirrorLayout);
    expect(redline.map((c) => [c.id, c.label, c.change])).toEqual([
      ["c1", "1", "removed"],
      ["c2", "2", "modified"],
      ["c3", "2 bis", "added"],
    ]);
    expect(redline[0]?.segments).toEqual([{ text: "Text of c1.", kind: "deleted", by: by(CHAIR) }]);
    expect(redline[1]?.segments[0]).toEqual({ text: "The ", kind: "inserted", by: by(CEPT) });
    expect(redline[2]?.segments).toEqual([{ text: "New.", kind: "inserted", by: by(AFR) }]);
    expect(sectionRedline(KEY, log.records, log.records.length, prosemirrorLayout).map((c) => c.change)).toEqual([
      "unchanged",
      "unchanged",
    ]);
  });

  it("reads back both texts exactly, whatever three authors did (seeded fuzz)", () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    console.log(`redline fuzz seed ${seed} (FUZZ_SEED=${seed} to replay)`);
    const rng = seededRng(seed);
    for (let round = 0; round < 30; round++) {
      const log = new Log();
      const base = new Y.Doc();
      writeClauseText(base, [
        [{ text: "Members shall act" }],
        [{ text: "now", bracket: { id: "b0", by: ["ARB"], reason: "editorial" } }],
      ]);
      log.record(`${KEY}/c1`, SERVER, Y.encodeStateAsUpdate(base));
      const docs = [AFR, CEPT, CHAIR].map((author) => ({ author, doc: copyOf(base) }));
      let before = 1;
      for (let step = 0; step < 40; step++) {
        const { author, doc } = rng.pick(docs);
        log.edit(
          `${KEY}/c1`,
          doc,
          author,
          () => randomEdit(rng, doc, LETTER[author.name] ?? "?"),
          docs.map((d) => d.doc).filter((d) => d !== doc),
        );
        if (step === 15) before = log.records.length;
      }
      const segments = clauseSegments(log.records, before, prosemirrorLayout);
      const label = `seed ${seed} round ${round}`;
      expect(project(segments, "from"), label).toBe(replayText(log.records.slice(0, before)));
      expect(project(segments, "to"), label).toBe(replayText(log.records));
      for (const segment of segments) {
        if (segment.kind === "same") expect(segment.by, label).toBeNull();
        else expect(segment.by, `${label}: ${JSON.stringify(segment)}`).not.toBeNull();
        // Inserted letters are their author's own.
        const letters = segment.text.replace(/[[\]\n]/g, "");
        if (segment.kind === "inserted" && letters.length > 0) {
          expect(letters, `${label}: ${JSON.stringify(segment)}`).toBe(
            (LETTER[segment.by?.name ?? ""] ?? "").repeat(letters.length),
          );
        }
      }
    }
  });
});

/** What each author types: a letter no one else types and the seed text lacks, so insertions show whose they are. */
const LETTER: Record<string, string> = { [AFR.name]: "A", [CEPT.name]: "C", [CHAIR.name]: "H" };

function randomEdit(rng: Rng, doc: Y.Doc, letter: string): void {
  const fragment = doc.getXmlFragment(CLAUSE_FRAGMENT);
  if (rng.next() < 0.08) {
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText()]);
    fragment.insert(rng.int(0, fragment.length), [paragraph]);
    return;
  }
  if (fragment.length === 0) return;
  if (rng.next() < 0.04 && fragment.length > 1) {
    fragment.delete(rng.int(0, fragment.length - 1), 1);
    return;
  }
  const text = textOf(doc, rng.int(0, fragment.length - 1));
  const at = rng.int(0, text.length);
  const len = rng.int(0, Math.min(5, text.length - at));
  const choice = rng.next();
  if (choice < 0.4) text.insert(at, letter.repeat(rng.int(1, 3)));
  else if (choice < 0.7) text.delete(at, len);
  else {
    const bracket = rng.next() < 0.4 ? null : { id: rng.pick(["b0", "b1", "b2"]), by: ["AFR"], reason: "substantive" };
    text.format(at, len, { bracket });
  }
}
