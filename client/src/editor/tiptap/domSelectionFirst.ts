import { Extension } from "@tiptap/core";
import { type EditorState, Plugin, type Selection, TextSelection } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import type * as Y from "yjs";
import { nativeSelectionPending, watchNativeSelection } from "../nativeSelection.ts";

/*
 * The browser moves the caret itself (arrow keys, Ctrl+End, a click) and tells the editor on the
 * next `selectionchange` event, a task of its own. A co-editor's update that arrives in between
 * is drawn from the editor's previous selection: y-prosemirror notes that selection when a Yjs
 * transaction starts and puts it back afterwards, so the caret jumps back and the next letters go
 * where it was. Before a remote transaction starts, this gives the editor the caret the page
 * shows, when the browser has moved it and the editor has not read it yet (nativeSelection.ts).
 * Whichever Yjs listener runs first, y-prosemirror notes the selection again on every view update,
 * so it notes this one.
 */

interface PendingTransaction {
  readonly local: boolean;
}

/** The selection the page shows, when it is in this editor and differs from `state`'s. */
function selectionFromDom(view: EditorView, state: EditorState): Selection | null {
  if (view.isDestroyed || view.composing || !view.hasFocus() || !nativeSelectionPending(view.dom)) return null;
  const dom = view.dom.ownerDocument.getSelection();
  if (!dom?.anchorNode || !dom.focusNode) return null;
  if (!view.dom.contains(dom.anchorNode) || !view.dom.contains(dom.focusNode)) return null;
  let anchor: number;
  let head: number;
  try {
    anchor = view.posAtDOM(dom.anchorNode, dom.anchorOffset);
    head = view.posAtDOM(dom.focusNode, dom.focusOffset);
  } catch {
    return null;
  }
  const { selection, doc } = state;
  if (selection.anchor === anchor && selection.head === head) return null;
  if (anchor < 0 || head < 0 || anchor > doc.content.size || head > doc.content.size) return null;
  const next = TextSelection.between(doc.resolve(anchor), doc.resolve(head));
  return next.anchor === selection.anchor && next.head === selection.head ? null : next;
}

/**
 * Also for what only redraws: a co-editor's caret moving (awareness) redraws the clause from the
 * editor's selection too. A transaction that neither changes the text nor sets a selection takes
 * the page's caret along.
 */
export const DomSelectionFirst = Extension.create<{ document: Y.Doc | null }>({
  name: "domSelectionFirst",
  addOptions: () => ({ document: null }),
  addProseMirrorPlugins() {
    const doc = this.options.document;
    let view: EditorView | null = null;
    const beforeRemote = () => {
      const current = (doc as unknown as { _transaction: PendingTransaction | null } | null)?._transaction;
      if (!view || !current || current.local) return;
      const next = selectionFromDom(view, view.state);
      if (next) view.dispatch(view.state.tr.setSelection(next));
    };
    return [
      new Plugin({
        view(editorView) {
          view = editorView;
          watchNativeSelection(editorView.dom);
          doc?.on("beforeAllTransactions", beforeRemote);
          return {
            destroy() {
              doc?.off("beforeAllTransactions", beforeRemote);
              view = null;
            },
          };
        },
        appendTransaction(transactions, _old, state) {
          if (!view || transactions.some((tr) => tr.docChanged || tr.selectionSet)) return null;
          const next = selectionFromDom(view, state);
          return next ? state.tr.setSelection(next).setMeta("addToHistory", false) : null;
        },
      }),
    ];
  },
});
