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
 * shows, when the browser has moved it and the editor has not read it yet (nativeSelection.ts). It must be registered before the binding (Yjs calls listeners in the order they came).
 */

interface PendingTransaction {
  readonly local: boolean;
}

const views = new WeakMap<Y.Doc, () => EditorView | null>();

/** Registers once per document; a later call (the editor made again) only changes the view. */
export function domSelectionFirst(doc: Y.Doc, viewOf: () => EditorView | null): void {
  const known = views.has(doc);
  views.set(doc, viewOf);
  if (known) return;
  doc.on("beforeAllTransactions", () => {
    const current = (doc as unknown as { _transaction: PendingTransaction | null })._transaction;
    if (!current || current.local) return;
    const view = views.get(doc)?.();
    if (view) takeDomSelection(view);
  });
}

function takeDomSelection(view: EditorView): void {
  const next = selectionFromDom(view, view.state);
  if (next) view.dispatch(view.state.tr.setSelection(next));
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
 * The same for what only redraws: a co-editor's caret moving (awareness) redraws the clause from
 * the editor's selection too. A transaction that neither changes the text nor sets a selection
 * takes the page's caret along.
 */
export const DomSelectionFirst = Extension.create({
  name: "domSelectionFirst",
  addProseMirrorPlugins() {
    let view: EditorView | null = null;
    return [
      new Plugin({
        view(editorView) {
          view = editorView;
          watchNativeSelection(editorView.dom);
          return {
            destroy() {
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
