import { LEXICAL_ROOT } from "@gavel/model";
import {
  $createRangeSelectionFromDom,
  $getRoot,
  $getSelection,
  $isElementNode,
  $isRangeSelection,
  $isTextNode,
  $setSelection,
  COLLABORATION_TAG,
  type LexicalEditor,
  type PointType,
} from "lexical";
import * as Y from "yjs";
import { nativeSelectionPending } from "../nativeSelection.ts";

/*
 * Where the caret stays when a remote edit lands at it. Lexical restores the local caret from a
 * Yjs position tied to the character on its right; at the end of a paragraph there is none, so
 * text another delegate types there goes before the caret, and two people typing at one end
 * interleave their letters. The Tiptap room keeps the caret after the character on its left
 * (y-prosemirror); this does the same: before a remote update is applied, each selection point
 * becomes a Yjs position tied to the character on its left (assoc -1), and after it the caret
 * is put back there.
 *
 * A remote bracket over a word splits the text node the caret is in: @lexical/yjs deletes the
 * rest of the node's text and inserts it again as new nodes, so the caret's character is gone and
 * its Yjs position would land before the new bracket. When the character on the caret's left was
 * deleted, the caret keeps its place in the paragraph's text instead: the text before and after
 * the update is compared, and the caret moves only by what changed in front of it.
 */

interface Spot {
  readonly block: number;
  readonly offset: number;
  /**
   * The point stood at the start of a text node that follows another: at that boundary it goes
   * back to the later node (the start of a selected alternative stays in the alternative).
   */
  readonly later: boolean;
}

function blocksOf(doc: Y.Doc): Y.XmlText[] {
  return (doc.get(LEXICAL_ROOT, Y.XmlText) as Y.XmlText)
    .toDelta()
    .flatMap((op: { insert?: unknown }) => (op.insert instanceof Y.XmlText ? [op.insert] : []));
}

/** A point as (paragraph, character offset in it). */
function $spotOf(point: PointType): Spot | null {
  const node = point.getNode();
  const block = $isTextNode(node) ? node.getParent() : node;
  if (!$isElementNode(block) || block.getParent() !== $getRoot()) return null;
  let offset = 0;
  const children = block.getChildren();
  const later = $isTextNode(node) && point.offset === 0 && $isTextNode(node.getPreviousSibling());
  if ($isTextNode(node)) {
    for (const child of children) {
      if (child === node) break;
      offset += child.getTextContentSize();
    }
    offset += point.offset;
  } else {
    for (const child of children.slice(0, point.offset)) offset += child.getTextContentSize();
  }
  return { block: block.getIndexWithinParent(), offset, later };
}

/** The index in a block's XmlText of a character offset: text node headers count one each. */
function indexOf(block: Y.XmlText, offset: number): number {
  let index = 0;
  let rest = offset;
  for (let item = block._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue;
    if (item.content instanceof Y.ContentString) {
      if (rest <= item.length) return index + rest;
      rest -= item.length;
    }
    index += item.length;
  }
  return index;
}

function offsetOf(block: Y.XmlText, index: number): number {
  let offset = 0;
  let rest = index;
  for (let item = block._start; item !== null && rest > 0; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const take = Math.min(rest, item.length);
    if (item.content instanceof Y.ContentString) offset += take;
    rest -= take;
  }
  return offset;
}

/** The paragraph's text as Lexical shows it: its strings, without the text nodes' headers. */
function plainOf(block: Y.XmlText): string {
  let text = "";
  for (let item = block._start; item !== null; item = item.right) {
    if (!item.deleted && item.content instanceof Y.ContentString) text += item.content.str;
  }
  return text;
}

/** Where `offset` in `before` is in `after`: it moves only by what changed in front of it. */
function mapOffset(before: string, after: string, offset: number): number {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < shorter - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) {
    suffix += 1;
  }
  if (offset <= prefix) return offset;
  if (offset >= before.length - suffix) return after.length - (before.length - offset);
  return after.length - suffix;
}

/** Whether the character a position is tied to was deleted. */
function tiedToDeleted(doc: Y.Doc, position: Y.RelativePosition): boolean {
  if (position.item === null) return false;
  try {
    return Y.getItem(doc.store, position.item).deleted;
  } catch {
    return true;
  }
}

function $select(spots: readonly [Spot, Spot]): void {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return;
  const points = [selection.anchor, selection.focus] as const;
  spots.forEach((spot, i) => {
    const block = $getRoot().getChildAtIndex(spot.block);
    const point = points[i];
    if (!$isElementNode(block) || !point) return;
    let rest = spot.offset;
    const texts = block.getChildren().filter($isTextNode);
    for (const [n, child] of texts.entries()) {
      const size = child.getTextContentSize();
      if (rest < size || (rest === size && !(spot.later && n + 1 < texts.length))) {
        point.set(child.getKey(), rest, "text");
        return;
      }
      rest -= size;
    }
    // Past the end (the paragraph got shorter): at its end.
    const last = texts.at(-1);
    if (last) point.set(last.getKey(), last.getTextContentSize(), "text");
  });
  selection.dirty = true;
}

/** Call before applying a remote update to `doc`; the result puts the caret back after it. */
export function keepCaret(editor: LexicalEditor, doc: Y.Doc): (() => void) | null {
  const root = editor.getRootElement();
  if (!root?.contains(document.activeElement)) return null;
  takeDomSelection(editor, root);
  const spots = editor.getEditorState().read(() => {
    const selection = $getSelection();
    if (!$isRangeSelection(selection)) return null;
    const anchor = $spotOf(selection.anchor);
    const focus = $spotOf(selection.focus);
    return anchor && focus ? ([anchor, focus] as const) : null;
  });
  if (!spots) return null;
  const blocks = blocksOf(doc);
  const kept = spots.map((spot) => {
    const block = blocks[spot.block];
    if (!block) return null;
    const position = Y.createRelativePositionFromTypeIndex(block, indexOf(block, spot.offset), -1);
    return { block, position, text: plainOf(block), offset: spot.offset, later: spot.later };
  });
  return () => {
    const after = blocksOf(doc);
    const back = kept.map((spot): Spot | null => {
      if (!spot) return null;
      if (tiedToDeleted(doc, spot.position)) {
        const block = after.indexOf(spot.block);
        if (block >= 0)
          return { block, offset: mapOffset(spot.text, plainOf(spot.block), spot.offset), later: spot.later };
      }
      const absolute = Y.createAbsolutePositionFromRelativePosition(spot.position, doc);
      const block = absolute ? after.indexOf(absolute.type as Y.XmlText) : -1;
      const type = after[block];
      return absolute && type ? { block, offset: offsetOf(type, absolute.index), later: spot.later } : null;
    });
    const [anchor, focus] = back;
    if (!anchor || !focus) return;
    editor.update(() => $select([anchor, focus]), { tag: COLLABORATION_TAG });
  };
}

/**
 * The browser moves the caret itself (arrow keys, Ctrl+End, a click) and tells Lexical on the
 * next `selectionchange` event, a task of its own. A remote update applied in between would
 * start from Lexical's previous selection and put the caret back there, undoing the move: so
 * Lexical takes the selection the page shows first.
 */
function takeDomSelection(editor: LexicalEditor, root: HTMLElement): void {
  if (editor.isComposing() || !nativeSelectionPending(root)) return;
  const dom = root.ownerDocument.getSelection();
  if (!dom?.anchorNode || !root.contains(dom.anchorNode) || !dom.focusNode || !root.contains(dom.focusNode)) return;
  editor.update(
    () => {
      const shown = $createRangeSelectionFromDom(dom, editor);
      const current = $getSelection();
      if (shown && !(current && $isRangeSelection(current) && current.is(shown))) $setSelection(shown);
    },
    { discrete: true },
  );
}
