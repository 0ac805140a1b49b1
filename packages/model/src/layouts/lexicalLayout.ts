import * as Y from "yjs";
import type { ClauseLayout, RedlineBlocks } from "../clauseLayout.ts";
import { type AttributedRun, contentOfRuns } from "../clauseReader.ts";
import type { ParagraphRuns, TextRun } from "../clauseText.ts";
import { lexicalBracketsMayChange } from "./lexicalChanges.ts";
import { bracketKey, mapValueAt } from "./redlineKeys.ts";

/*
 * The layout @lexical/yjs (binding V1) writes: a top-level XmlText `root`; each block an
 * embedded XmlText whose attributes are the element's properties (`__type: "paragraph"`); each
 * text node a Y.Map of its properties (`__type: "text"`, `__format` bits, ...) embedded in the
 * block, followed by the node's characters. A bracket and a footnote are NodeState of a text
 * node (`__state`, a Y.Map with keys `bracket` and `footnote`, values as the Tiptap marks'
 * attributes), so the client's TextNodes stay plain and Lexical merges runs only when their
 * states are equal.
 */

export const LEXICAL_ROOT = "root";
/** Lexical's text format bits (lexical/src/LexicalConstants.ts). */
export const LEXICAL_BOLD = 1;
export const LEXICAL_ITALIC = 2;
/** NodeState keys of a text node. */
export const BRACKET_STATE = "bracket";
export const FOOTNOTE_STATE = "footnote";

/** A block's properties as Lexical writes a paragraph. */
const PARAGRAPH: Record<string, unknown> = {
  __type: "paragraph",
  __format: 0,
  __style: "",
  __indent: 0,
  __dir: null,
  __textFormat: 0,
  __textStyle: "",
};

export const lexicalLayout: ClauseLayout = {
  name: "lexical",
  editor: "lexical",
  root: LEXICAL_ROOT,
  read: (doc) => contentOfRuns(blocksOf(doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText).map(runsOfBlock)),
  write: writeLexical,
  bracketsMayChange: lexicalBracketsMayChange,
  redlineBlocks: (doc) => redlineBlocks(doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText),
};

interface DeltaOp {
  readonly insert?: unknown;
}

function blocksOf(root: Y.XmlText): Y.XmlText[] {
  return (root.toDelta() as DeltaOp[]).flatMap((op) => (op.insert instanceof Y.XmlText ? [op.insert] : []));
}

/** A block's characters, each run with the attributes of the text node it belongs to. */
function runsOfBlock(block: Y.XmlText): AttributedRun[] {
  const runs: AttributedRun[] = [];
  let attributes: Record<string, unknown> = {};
  for (const op of block.toDelta() as DeltaOp[]) {
    const insert = op.insert;
    if (typeof insert === "string") runs.push({ text: insert, attributes });
    else if (insert instanceof Y.Map) attributes = attributesOf(insert);
    else if (insert instanceof Y.XmlText) runs.push(...runsOfBlock(insert)); // an inline element (a link)
  }
  return runs;
}

/** A text node's properties as the marks the reader knows (untrusted: anything may be there). */
function attributesOf(node: Y.Map<unknown>): Record<string, unknown> {
  const format = node.get("__format");
  const bits = typeof format === "number" && Number.isInteger(format) ? format : 0;
  const state = node.get("__state");
  const attributes: Record<string, unknown> = {};
  if (bits & LEXICAL_BOLD) attributes.bold = {};
  if (bits & LEXICAL_ITALIC) attributes.italic = {};
  if (state instanceof Y.Map) {
    attributes.bracket = state.get(BRACKET_STATE);
    attributes.footnote = state.get(FOOTNOTE_STATE);
  }
  return attributes;
}

function writeLexical(doc: Y.Doc, paragraphs: readonly ParagraphRuns[]): void {
  const root = doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText;
  doc.transact(() => {
    for (const runs of paragraphs) {
      const block = new Y.XmlText();
      root.insertEmbed(root.length, block);
      for (const [key, value] of Object.entries(PARAGRAPH)) block.setAttribute(key, value as string);
      for (const run of runs.filter((r) => r.text.length > 0)) {
        block.insertEmbed(block.length, textNodeOf(run));
        block.insert(block.length, run.text);
      }
    }
  });
}

/** A text node's properties, as Lexical writes them for a TextNode with this run's marks. */
function textNodeOf(run: TextRun): Y.Map<unknown> {
  const node = new Y.Map<unknown>();
  if (run.bracket || run.footnote) {
    const state = new Y.Map<unknown>();
    if (run.bracket) {
      const { id, by, reason, group, note } = run.bracket;
      state.set(BRACKET_STATE, { id, by: [...by], reason, group: group ?? null, note: note ?? null });
    }
    if (run.footnote) {
      const { id, source, note } = run.footnote;
      state.set(FOOTNOTE_STATE, { id, source, note: note ?? null });
    }
    node.set("__state", state);
  }
  node.set("__type", "text");
  node.set("__format", (run.bold ? LEXICAL_BOLD : 0) | (run.italic ? LEXICAL_ITALIC : 0));
  node.set("__style", "");
  node.set("__mode", 0);
  node.set("__detail", 0);
  return node;
}

function redlineBlocks(root: Y.XmlText): RedlineBlocks {
  const blocks: Y.Item[] = [];
  for (let item = root._start; item !== null; item = item.right) {
    if (item.content instanceof Y.ContentType && item.content.type instanceof Y.XmlText) blocks.push(item);
  }
  return {
    blocks,
    texts: (block) =>
      block.content instanceof Y.ContentType && block.content.type instanceof Y.XmlText ? [block.content.type] : [],
    isBracketMark: (item) => item.content instanceof Y.ContentType && item.content.type instanceof Y.Map,
    keyOf: (mark, snapshot) => {
      if (!(mark.content instanceof Y.ContentType) || !(mark.content.type instanceof Y.Map)) return null;
      const state = mapValueAt(mark.content.type, "__state", snapshot);
      return state instanceof Y.Map ? bracketKey(mapValueAt(state, BRACKET_STATE, snapshot)) : null;
    },
  };
}
