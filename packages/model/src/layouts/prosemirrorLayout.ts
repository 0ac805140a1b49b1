import * as Y from "yjs";
import type { ClauseLayout, RedlineBlocks } from "../clauseLayout.ts";
import { readClause } from "../clauseReader.ts";
import { CLAUSE_FRAGMENT, writeClauseText } from "../clauseText.ts";
import { prosemirrorBracketsMayChange } from "./prosemirrorChanges.ts";
import { bracketKey } from "./redlineKeys.ts";

/*
 * The y-prosemirror layout Tiptap's Collaboration extension writes: XmlFragment `default`, one
 * `paragraph` XmlElement per paragraph holding an XmlText, marks as formatting attributes
 * named after the mark (clauseText.ts, clauseReader.ts).
 */

export const prosemirrorLayout: ClauseLayout = {
  name: "prosemirror",
  editor: "tiptap",
  root: CLAUSE_FRAGMENT,
  read: readClause,
  write: writeClauseText,
  bracketsMayChange: prosemirrorBracketsMayChange,
  redlineBlocks: (doc) => redlineBlocks(doc.getXmlFragment(CLAUSE_FRAGMENT)),
};

function redlineBlocks(fragment: Y.XmlFragment): RedlineBlocks {
  const blocks: Y.Item[] = [];
  for (let item = fragment._start; item !== null; item = item.right) {
    if (item.content instanceof Y.ContentType) blocks.push(item);
  }
  return {
    blocks,
    texts: (block) => (block.content instanceof Y.ContentType ? textsOf(block.content.type) : []),
    isBracketMark: (item) => item.content instanceof Y.ContentFormat && item.content.key === "bracket",
    keyOf: (mark) => (mark.content instanceof Y.ContentFormat ? bracketKey(mark.content.value) : null),
  };
}

/** Every XmlText of an element, inline elements included, in document order (deleted ones too). */
function textsOf(type: unknown): Y.XmlText[] {
  if (type instanceof Y.XmlText) return [type];
  if (!(type instanceof Y.XmlElement)) return [];
  const out: Y.XmlText[] = [];
  for (let item = type._start; item !== null; item = item.right) {
    if (item.content instanceof Y.ContentType) out.push(...textsOf(item.content.type));
  }
  return out;
}
