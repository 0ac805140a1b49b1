import { Extension } from "@tiptap/core";
import type { Node as PmNode } from "@tiptap/pm/model";
import { type EditorState, Plugin, type Selection, TextSelection, type Transaction } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import { type ProsemirrorBinding, relativePositionToAbsolutePosition, ySyncPluginKey } from "@tiptap/y-tiptap";

/*
 * After a co-editor's update, y-tiptap puts the caret back from where Yjs says it is (a relative
 * position, stuck to the character before it). Then a recovery meant for blocks that were moved
 * second-guesses it: whenever the caret's paragraph holds another text than before, and the old
 * text is a prefix of the new one, it keeps the caret's old offset in the paragraph instead.
 *
 * Two delegates who type at the same spot at once hit that. Both press Space after "echo"; Yjs
 * orders Ben's space before Ana's. Ana's caret, after her own space, keeps its offset: it lands
 * between the two spaces, before her own, and her next word runs into the previous one
 * ("echoana one two "). Here, when an update kept every block where it was, the caret goes where
 * Yjs resolves it. Block moves and whole-block changes are left to y-tiptap's recovery.
 */

type RelativeSelection = ProsemirrorBinding["beforeTransactionSelection"] | null;

interface SyncMeta {
  readonly isChangeOrigin?: boolean;
  readonly isUndoRedoOperation?: boolean;
}

/** The top-level block a position is in, as an index, or null between blocks. */
function blockIndex(doc: PmNode, pos: number): number | null {
  if (pos < 0 || pos > doc.content.size) return null;
  const $pos = doc.resolve(pos);
  return $pos.depth === 0 ? null : $pos.index(0);
}

/** The same blocks, of the same types, in the same order: the update changed only text. */
function sameBlocks(before: PmNode, after: PmNode): boolean {
  if (before.childCount !== after.childCount) return false;
  for (let i = 0; i < before.childCount; i++) {
    if (before.child(i).type !== after.child(i).type) return false;
  }
  return true;
}

function yjsSelection(
  binding: ProsemirrorBinding,
  relative: NonNullable<RelativeSelection>,
  oldState: EditorState,
  state: EditorState,
): Selection | null {
  const anchor = relativePositionToAbsolutePosition(binding.doc, binding.type, relative.anchor, binding.mapping);
  const head = relativePositionToAbsolutePosition(binding.doc, binding.type, relative.head, binding.mapping);
  if (anchor === null || head === null) return null;
  const { doc } = state;
  // Each end stays in the block it was in before the update.
  for (const [before, after] of [
    [relative.absAnchor, anchor],
    [relative.absHead, head],
  ] as const) {
    const was = blockIndex(oldState.doc, before);
    if (was === null || was !== blockIndex(doc, after)) return null;
    if (!doc.resolve(after).parent.isTextblock) return null;
  }
  return TextSelection.between(doc.resolve(anchor), doc.resolve(head));
}

export const YjsCaretWins = Extension.create({
  name: "yjsCaretWins",
  addProseMirrorPlugins() {
    let view: EditorView | null = null;
    return [
      new Plugin({
        view(editorView) {
          view = editorView;
          return {
            destroy() {
              view = null;
            },
          };
        },
        appendTransaction(transactions: readonly Transaction[], oldState, state) {
          // An input method owns the caret while it composes.
          if (!view || view.composing) return null;
          const remote = transactions.find((tr) => {
            const meta = tr.getMeta(ySyncPluginKey) as SyncMeta | undefined;
            return tr.docChanged && meta?.isChangeOrigin === true && meta.isUndoRedoOperation !== true;
          });
          if (!remote || !(state.selection instanceof TextSelection)) return null;
          const binding = (ySyncPluginKey.getState(state) as { binding?: ProsemirrorBinding } | undefined)?.binding;
          const relative: RelativeSelection = binding?.beforeTransactionSelection ?? null;
          if (!binding || !relative || relative.type !== "text" || relative.anchor === null || relative.head === null)
            return null;
          if (!sameBlocks(oldState.doc, state.doc)) return null;
          const next = yjsSelection(binding, relative, oldState, state);
          if (!next || (next.anchor === state.selection.anchor && next.head === state.selection.head)) return null;
          // Still the remote change's outcome for y-tiptap (its caret in the awareness is sent again).
          return state.tr
            .setSelection(next)
            .setMeta("addToHistory", false)
            .setMeta(ySyncPluginKey, { isChangeOrigin: true });
        },
      }),
    ];
  },
});
