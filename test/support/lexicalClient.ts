import { BRACKET_STATE, LEXICAL_ROOT } from "@gavel/model";
import * as Y from "yjs";

/*
 * Edits a stock client makes to a clause of a Lexical session, in the layout @lexical/yjs
 * writes (packages/model layouts/lexicalLayout.ts): blocks are XmlTexts embedded in the root,
 * each text node a Y.Map header followed by its characters.
 */

function blocks(doc: Y.Doc): Y.XmlText[] {
  return (doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText)
    .toDelta()
    .flatMap((op: { insert?: unknown }) => (op.insert instanceof Y.XmlText ? [op.insert] : []));
}

/** Types at the start of the first paragraph's first text node (just after its header). */
export function typeIntoLexical(doc: Y.Doc, text: string): void {
  const [first] = blocks(doc);
  if (!first) throw new Error("clause has no paragraph");
  first.insert(1, text);
}

/** Every text node header carrying a bracket, with the bracket as stored. */
export function lexicalBrackets(doc: Y.Doc): { state: Y.Map<unknown>; bracket: Record<string, unknown> }[] {
  const out: { state: Y.Map<unknown>; bracket: Record<string, unknown> }[] = [];
  for (const block of blocks(doc)) {
    for (const op of block.toDelta() as { insert?: unknown }[]) {
      if (!(op.insert instanceof Y.Map)) continue;
      const state = op.insert.get("__state");
      const bracket = state instanceof Y.Map ? state.get(BRACKET_STATE) : null;
      if (state instanceof Y.Map && typeof bracket === "object" && bracket !== null)
        out.push({ state, bracket: bracket as Record<string, unknown> });
    }
  }
  return out;
}

/** Appends a paragraph whose one text node is bracketed, as Lexical writes it. */
export function appendLexicalBracket(doc: Y.Doc, text: string, bracket: Record<string, unknown>): void {
  const root = doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText;
  doc.transact(() => {
    const block = new Y.XmlText();
    root.insertEmbed(root.length, block);
    block.setAttribute("__type", "paragraph");
    const node = new Y.Map<unknown>();
    const state = new Y.Map<unknown>();
    state.set(BRACKET_STATE, bracket);
    node.set("__state", state);
    node.set("__type", "text");
    node.set("__format", 0);
    block.insertEmbed(0, node);
    block.insert(1, text);
  });
}
