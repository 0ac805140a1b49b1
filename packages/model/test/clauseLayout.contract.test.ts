import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  type ClauseLayout,
  clauseFigures,
  decideClauseEdit,
  describeClause,
  EDITORS,
  isEditorKind,
  LEXICAL_ROOT,
  layoutOf,
  lexicalLayout,
  prosemirrorLayout,
  TEMPLATES,
} from "../src/index.ts";
import { clauseContent, SEED } from "./support/clauseArbitraries.ts";

/*
 * One contract for every clause layout: what a layout writes it reads back as the layout-neutral
 * content describeClause predicts, and the questions the server asks (figures, bracket
 * ownership) have the same answers whatever the layout. The editors' own bindings are checked
 * against each layout in test/clauseLayout.bindings.test.ts.
 */

const LAYOUTS: readonly ClauseLayout[] = [prosemirrorLayout, lexicalLayout];

function written(layout: ClauseLayout, paragraphs: Parameters<ClauseLayout["write"]>[1]): Y.Doc {
  const doc = new Y.Doc();
  layout.write(doc, paragraphs);
  return doc;
}

describe.each(LAYOUTS)("ClauseLayout contract: $name", (layout) => {
  it(`CL3: random content written and read back is equal (seed ${SEED})`, () => {
    fc.assert(
      fc.property(clauseContent, (paragraphs) => {
        const doc = written(layout, paragraphs);
        expect(layout.read(doc)).toEqual(describeClause(paragraphs));
        // What a peer receives reads the same (the write is a plain Yjs update).
        const peer = new Y.Doc();
        Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
        expect(layout.read(peer)).toEqual(describeClause(paragraphs));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("CL3: reads every template clause as describeClause does", () => {
    for (const template of Object.values(TEMPLATES)) {
      for (const section of template.sections) {
        for (const clause of section.clauses) {
          expect(layout.read(written(layout, clause.paragraphs))).toEqual(describeClause(clause.paragraphs));
        }
      }
    }
  });

  it("CS7: an empty document reads as no text and no figures", () => {
    const content = layout.read(new Y.Doc());
    expect(content.text).toBe("");
    expect(content.figures).toEqual({ openBrackets: 0, alternatives: 0, byDelegation: {} });
  });

  it("CS7: live figures count brackets by id and alternatives by group", () => {
    const doc = written(layout, [
      [
        { text: "Offices " },
        { text: "shall", bracket: { id: "b1", by: ["AFR"], reason: "alternative", group: "g" } },
        { text: "should", bracket: { id: "b2", by: ["CEPT"], reason: "alternative", group: "g" } },
      ],
      [{ text: "act", bracket: { id: "b1", by: ["AFR"], reason: "alternative", group: "g" }, bold: true }],
    ]);
    expect(clauseFigures(layout, doc)).toEqual({ openBrackets: 2, alternatives: 1, byDelegation: { AFR: 1, CEPT: 1 } });
    expect(layout.read(doc).text).toBe("Offices [shall][should]\n[act]");
  });

  it("BO2: a delegate removing another delegation's bracket is refused, whatever the layout", () => {
    const before = written(layout, [
      [{ text: "a " }, { text: "b", bracket: { id: "x", by: ["FR"], reason: "substantive" } }],
    ]);
    const after = written(layout, [[{ text: "a b" }]]);
    const delegate = { role: "delegate", delegation: "US" } as const;
    expect(decideClauseEdit(layout, delegate, before, after)).toMatchObject({
      ok: false,
      error: { code: "BRACKET_OWNED" },
    });
    expect(decideClauseEdit(layout, { role: "delegate", delegation: "FR" }, before, after)).toMatchObject({ ok: true });
  });

  it("bracketsMayChange: writing a bracket is seen as a change", () => {
    const doc = new Y.Doc();
    const seen: boolean[] = [];
    doc.on("afterTransaction", (tr: Y.Transaction) => seen.push(layout.bracketsMayChange(tr)));
    layout.write(doc, [[{ text: "x", bracket: { id: "b", by: ["FR"], reason: "substantive" } }]]);
    expect(seen.at(-1)).toBe(true);
  });
});

describe("ClauseLayout contract: both layouts agree", () => {
  it(`CL2: the same content reads the same in both layouts (seed ${SEED})`, () => {
    fc.assert(
      fc.property(clauseContent, (paragraphs) => {
        expect(lexicalLayout.read(written(lexicalLayout, paragraphs))).toEqual(
          prosemirrorLayout.read(written(prosemirrorLayout, paragraphs)),
        );
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("CL1: each editor has its layout, and neither layout reads the other's document", () => {
    const paragraphs = [[{ text: "Text" }]];
    expect(lexicalLayout.read(written(prosemirrorLayout, paragraphs)).text).toBe("");
    expect(prosemirrorLayout.read(written(lexicalLayout, paragraphs)).text).toBe("");
    expect(layoutOf("tiptap")).toBe(prosemirrorLayout);
    expect(layoutOf("lexical")).toBe(lexicalLayout);
    expect(EDITORS.filter(isEditorKind)).toEqual(["tiptap", "lexical"]);
    expect(isEditorKind("prosemirror")).toBe(false);
  });
});

describe("ClauseLayout contract: the Lexical layout and untrusted input", () => {
  it("CL2: whatever a client embeds, the Lexical layout reads text after headers and never throws", () => {
    const doc = new Y.Doc();
    const root = doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText;
    doc.transact(() => {
      root.insert(0, "stray root text");
      const block = new Y.XmlText();
      root.insertEmbed(root.length, block);
      block.insert(0, "no header ");
      const odd = new Y.Map<unknown>();
      odd.set("__format", "bold");
      odd.set("__state", "not a map");
      block.insertEmbed(block.length, odd);
      block.insert(block.length, "odd ");
      const bracketed = new Y.Map<unknown>();
      const state = new Y.Map<unknown>();
      state.set("bracket", { by: "FR", reason: 7 });
      bracketed.set("__state", state);
      bracketed.set("__format", 3);
      block.insertEmbed(block.length, bracketed);
      block.insert(block.length, "marked");
      block.insertEmbed(block.length, { an: "embed" });
    });
    const content = lexicalLayout.read(doc);
    expect(content.text).toBe("no header odd [marked]");
    expect(content.paragraphs[0]?.at(-1)).toMatchObject({ text: "marked", bold: true, italic: true });
    expect(content.brackets).toEqual([
      { id: "?1", by: [], reason: "substantive", group: null, note: null, text: "marked" },
    ]);
  });
});
