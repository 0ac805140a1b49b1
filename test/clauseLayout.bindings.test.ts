import { getSchema } from "@tiptap/core";
import type { Node as PMNode, Schema } from "@tiptap/pm/model";
import { EditorState } from "@tiptap/pm/state";
import { updateYFragment, yXmlFragmentToProseMirrorRootNode } from "@tiptap/y-tiptap";
import fc from "fast-check";
import { $createParagraphNode, $createTextNode, $getRoot, $isElementNode, $isTextNode, type TextNode } from "lexical";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { $setBracket, $setFootnote } from "../client/src/editor/lexical/clauseState.ts";
import { baseExtensions } from "../client/src/editor/tiptap/marks.ts";
import {
  type BracketAttrs,
  CLAUSE_FRAGMENT,
  type ClauseLayout,
  describeClause,
  lexicalLayout,
  type ParagraphRuns,
  prosemirrorLayout,
  type TextRun,
} from "../packages/model/src/index.ts";
import { clauseContent, SEED } from "../packages/model/test/support/clauseArbitraries.ts";
import { boundLexicalEditor, flushLexical, runsOfEditor } from "./support/lexicalHeadless.ts";

/*
 * ClauseLayout contract, editor side: random edits made through each editor's own Yjs binding
 * (@lexical/yjs with a headless Lexical editor; y-prosemirror's updateYFragment, what Tiptap's
 * Collaboration extension runs on every transaction) are read by the layout as the editor
 * shows them, and what the layout writes is what the editor shows.
 */

const BRACKETS: readonly BracketAttrs[] = [
  { id: "x1", by: ["FR"], reason: "substantive", group: null, note: null },
  { id: "x2", by: ["US", "FR"], reason: "alternative", group: "g", note: "why" },
];

type Edit =
  | { readonly type: "insert"; readonly at: number; readonly text: string }
  | { readonly type: "delete"; readonly at: number; readonly length: number }
  | { readonly type: "bracket"; readonly at: number; readonly length: number; readonly bracket: number | null }
  | { readonly type: "bold"; readonly at: number; readonly length: number }
  | { readonly type: "footnote"; readonly at: number; readonly length: number }
  | { readonly type: "split"; readonly at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ type: fc.constant("insert" as const), at: fc.nat(60), text: fc.stringMatching(/^[a-z ]{1,5}$/) }),
  fc.record({ type: fc.constant("delete" as const), at: fc.nat(60), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({
    type: fc.constant("bracket" as const),
    at: fc.nat(60),
    length: fc.integer({ min: 1, max: 8 }),
    bracket: fc.option(fc.nat(BRACKETS.length - 1)),
  }),
  fc.record({ type: fc.constant("bold" as const), at: fc.nat(60), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ type: fc.constant("footnote" as const), at: fc.nat(60), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ type: fc.constant("split" as const), at: fc.nat(60) }),
);

const start: ParagraphRuns[] = [[{ text: "The Conference resolves to act now" }], [{ text: "Second line" }]];

describe("ClauseLayout contract: the Lexical binding (@lexical/yjs)", () => {
  it(`CL3: content written by the layout is what the editor shows (seed ${SEED})`, () => {
    fc.assert(
      fc.property(clauseContent, (paragraphs) => {
        const written = new Y.Doc();
        lexicalLayout.write(written, paragraphs);
        const doc = new Y.Doc();
        const { editor, dispose } = boundLexicalEditor(doc);
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(written));
        expect(describeClause(runsOfEditor(editor))).toEqual(describeClause(paragraphs));
        dispose();
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it(`CL3: random edits through the binding are read as the editor shows them (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 25 }), (edits) => {
        const written = new Y.Doc();
        lexicalLayout.write(written, start);
        const doc = new Y.Doc();
        const { editor, dispose } = boundLexicalEditor(doc);
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(written)); // as the provider's sync delivers it
        flushLexical(editor);
        watchBracketChanges(lexicalLayout, doc);
        const peer = new Y.Doc();
        Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
        doc.on("update", (update: Uint8Array) => Y.applyUpdate(peer, update));
        for (const change of edits) {
          editor.update(() => applyLexical(change), { discrete: true });
          const shown = describeClause(runsOfEditor(editor));
          expect(lexicalLayout.read(doc)).toEqual(shown);
          expect(lexicalLayout.read(peer)).toEqual(shown);
        }
        dispose();
      }),
      { seed: SEED, numRuns: 80 },
    );
  });
});

/**
 * bracketsMayChange against the reader: a transaction it calls harmless leaves no bracket
 * (id, proposers, first attributes) that was not read before it (BracketGuard keeps them).
 */
function watchBracketChanges(layout: ClauseLayout, doc: Y.Doc): void {
  const keyOf = (b: { id: string; by: readonly string[]; reason: string }) => `${b.id}|${b.by.join()}|${b.reason}`;
  let known = new Set(layout.read(doc).brackets.map(keyOf));
  doc.on("afterTransaction", (transaction: Y.Transaction) => {
    const now = layout.read(doc).brackets.map(keyOf);
    if (!layout.bracketsMayChange(transaction)) for (const key of now) expect(known).toContain(key);
    known = new Set(now);
  });
}

/** The text nodes covering [at, at + length) of the text, split at both ends. */
function $nodesIn(at: number, length: number): TextNode[] {
  const out: TextNode[] = [];
  let offset = 0;
  for (const block of $getRoot().getChildren()) {
    if (!$isElementNode(block)) continue;
    for (const node of block.getChildren()) {
      if (!$isTextNode(node)) continue;
      const size = node.getTextContentSize();
      const from = Math.max(at, offset);
      const to = Math.min(at + length, offset + size);
      if (from < to) {
        const parts = node.splitText(from - offset, to - offset);
        const index = from - offset === 0 ? 0 : 1;
        const part = parts[index];
        if (part) out.push(part);
      }
      offset += size;
    }
  }
  return out;
}

function applyLexical(change: Edit): void {
  switch (change.type) {
    case "insert": {
      const [node] = $nodesIn(change.at, 1);
      if (node) node.setTextContent(change.text + node.getTextContent());
      else $getRoot().getLastChild()?.selectEnd().insertText(change.text);
      return;
    }
    case "delete":
      for (const node of $nodesIn(change.at, change.length)) node.remove();
      return;
    case "bracket":
      for (const node of $nodesIn(change.at, change.length)) {
        const bracket = change.bracket === null ? null : BRACKETS[change.bracket];
        $setBracket(node, bracket ? { ...bracket, by: [...bracket.by] } : null);
      }
      return;
    case "bold":
      for (const node of $nodesIn(change.at, change.length)) node.toggleFormat("bold");
      return;
    case "footnote":
      for (const node of $nodesIn(change.at, change.length)) $setFootnote(node, { id: "fn", source: "s1", note: null });
      return;
    case "split": {
      const [node] = $nodesIn(change.at, 1);
      const block = node?.getParent();
      if (!node || !block) return;
      const paragraph = $createParagraphNode();
      const moved = [node, ...node.getNextSiblings()];
      paragraph.append(...moved);
      if (paragraph.getChildrenSize() === 0) paragraph.append($createTextNode(" "));
      block.insertAfter(paragraph);
      return;
    }
  }
}

describe("ClauseLayout contract: the Tiptap binding (y-prosemirror)", () => {
  const schema: Schema = getSchema(baseExtensions);

  it(`CL3: content written by the layout is what the editor shows (seed ${SEED})`, () => {
    fc.assert(
      fc.property(clauseContent, (paragraphs) => {
        const doc = new Y.Doc();
        prosemirrorLayout.write(doc, paragraphs);
        const shown = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(CLAUSE_FRAGMENT), schema);
        expect(describeClause(runsOfProseMirror(shown))).toEqual(describeClause(paragraphs));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it(`CL3: random edits through the binding are read as the editor shows them (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 25 }), (edits) => {
        const doc = new Y.Doc();
        prosemirrorLayout.write(doc, start);
        const fragment = doc.getXmlFragment(CLAUSE_FRAGMENT);
        let shown = yXmlFragmentToProseMirrorRootNode(fragment, schema);
        watchBracketChanges(prosemirrorLayout, doc);
        const meta = { mapping: new Map(), isOMark: new Map() };
        for (const change of edits) {
          shown = applyProseMirror(schema, shown, change);
          doc.transact(() => updateYFragment(doc, fragment, shown, meta));
          expect(prosemirrorLayout.read(doc)).toEqual(describeClause(runsOfProseMirror(shown)));
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
  });
});

function runsOfProseMirror(root: PMNode): ParagraphRuns[] {
  const paragraphs: TextRun[][] = [];
  root.forEach((block) => {
    const runs: TextRun[] = [];
    block.forEach((node) => {
      const marks = Object.fromEntries(node.marks.map((mark) => [mark.type.name, mark.attrs]));
      runs.push({
        text: node.text ?? "",
        ...(marks.bold ? { bold: true } : {}),
        ...(marks.italic ? { italic: true } : {}),
        ...(marks.bracket ? { bracket: marks.bracket as BracketAttrs } : {}),
        ...(marks.footnote ? { footnote: marks.footnote as TextRun["footnote"] & object } : {}),
      });
    });
    paragraphs.push(runs);
  });
  return paragraphs;
}

/** The same edits as a ProseMirror transaction makes them, on the text offsets of the document. */
function applyProseMirror(schema: Schema, doc: PMNode, change: Edit): PMNode {
  const size = doc.textContent.length;
  const pos = (offset: number): number => positionOf(doc, Math.min(offset, size));
  const range = (at: number, length: number): [number, number] => [pos(at), pos(Math.min(at + length, size))];
  const { tr } = EditorState.create({ doc });
  switch (change.type) {
    case "insert":
      tr.insertText(change.text, pos(change.at));
      break;
    case "delete":
      tr.delete(...range(change.at, change.length));
      break;
    case "bracket": {
      const [from, to] = range(change.at, change.length);
      const bracket = change.bracket === null ? null : BRACKETS[change.bracket];
      if (bracket) tr.addMark(from, to, schema.mark("bracket", bracket));
      else tr.removeMark(from, to, schema.marks.bracket ?? null);
      break;
    }
    case "bold":
      tr.addMark(...range(change.at, change.length), schema.mark("bold"));
      break;
    case "footnote":
      tr.addMark(...range(change.at, change.length), schema.mark("footnote", { id: "fn", source: "s1", note: null }));
      break;
    case "split":
      if (size > 0) tr.split(pos(change.at));
      break;
  }
  return tr.doc;
}

/** The document position of a text offset (characters of all paragraphs, concatenated). */
function positionOf(doc: PMNode, offset: number): number {
  let seen = 0;
  let found = -1;
  let lastEnd = 1;
  doc.descendants((node, pos) => {
    if (found >= 0) return false;
    if (!node.isText) return true;
    const length = node.text?.length ?? 0;
    if (offset < seen + length || (offset === seen + length && offset === doc.textContent.length)) {
      found = pos + (offset - seen);
    }
    seen += length;
    lastEnd = pos + length;
    return false;
  });
  return found >= 0 ? found : lastEnd;
}
