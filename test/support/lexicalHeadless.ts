import { createHeadlessEditor } from "@lexical/headless";
import { createYjsBinding, type Provider, syncLexicalUpdateToYjs, syncYjsChangesToLexical } from "@lexical/yjs";
import { $getRoot, $isElementNode, $isTextNode, type LexicalEditor } from "lexical";
import type * as Y from "yjs";
import { $bracketOf, $footnoteOf } from "../../client/src/editor/lexical/clauseState.ts";
import type { BracketAttrs, FootnoteAttrs, ParagraphRuns, TextRun } from "../../packages/model/src/index.ts";

/*
 * A headless Lexical editor bound to a clause document by @lexical/yjs, as the room's
 * CollaborationPlugin binds it (the same two sync calls), without a DOM or a provider.
 */

const noAwareness = {
  getLocalState: () => null,
  getStates: () => new Map(),
  on: () => {},
  off: () => {},
  setLocalState: () => {},
  setLocalStateField: () => {},
};
const provider = { awareness: noAwareness, connect: () => {}, disconnect: () => {}, on: () => {}, off: () => {} };

export function boundLexicalEditor(doc: Y.Doc): { editor: LexicalEditor; dispose: () => void } {
  const editor = createHeadlessEditor({
    namespace: "clause",
    onError: (error) => {
      throw error;
    },
  });
  const binding = createYjsBinding({ editor, id: "clause", doc, docMap: new Map([["clause", doc]]) });
  const asProvider = provider as unknown as Provider;
  const root = binding.root.getSharedType();
  const observer = (events: Y.YEvent<Y.Text>[], transaction: Y.Transaction): void => {
    if (transaction.origin !== binding) syncYjsChangesToLexical(binding, asProvider, events, false);
  };
  root.observeDeep(observer);
  const stop = editor.registerUpdateListener((u) => {
    syncLexicalUpdateToYjs(
      binding,
      asProvider,
      u.prevEditorState,
      u.editorState,
      u.dirtyElements,
      u.dirtyLeaves,
      u.normalizedNodes,
      u.tags,
    );
  });
  return {
    editor,
    dispose: () => {
      root.unobserveDeep(observer);
      stop();
    },
  };
}

/** What the editor shows: its paragraphs' text nodes with their format and state. */
/** Remote changes are committed by Lexical in a microtask: a discrete update commits them now. */
export function flushLexical(editor: LexicalEditor): void {
  editor.update(() => {}, { discrete: true });
}

export function runsOfEditor(editor: LexicalEditor): ParagraphRuns[] {
  flushLexical(editor);
  return editor.getEditorState().read(() =>
    $getRoot()
      .getChildren()
      .map((block) =>
        $isElementNode(block)
          ? block
              .getChildren()
              .filter($isTextNode)
              .map((node): TextRun => {
                const bracket = $bracketOf(node);
                const footnote = $footnoteOf(node);
                return {
                  text: node.getTextContent(),
                  ...(node.hasFormat("bold") ? { bold: true } : {}),
                  ...(node.hasFormat("italic") ? { italic: true } : {}),
                  ...(bracket ? { bracket: bracket as unknown as BracketAttrs } : {}),
                  ...(footnote ? { footnote: footnote as unknown as FootnoteAttrs } : {}),
                };
              })
          : [],
      ),
  );
}
