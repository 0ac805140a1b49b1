import {
  $createTextNode,
  $getSelection,
  $isRangeSelection,
  $isTextNode,
  type LexicalEditor,
  type RangeSelection,
  type TextNode,
} from "lexical";
import type { UndoManager } from "yjs";
import type { BracketAtCursor, ClauseEditorHandle, EditResult } from "../ClauseEditor.ts";
import { $bracketAt, $nodesOf, $selectionOf, $textNodes, newId } from "./brackets.ts";
import { $bracketOf, $setBracket, type StateValue } from "./clauseState.ts";

const OK: EditResult = { ok: true };
const fail = (message: string): EditResult => ({ ok: false, message });

/** The text an alternative starts with, selected so that typing replaces it (as in the Tiptap room). */
export const ALTERNATIVE_PLACEHOLDER = "alternative";

type BracketCommands = Pick<ClauseEditorHandle, "bracket" | "coSponsor" | "alternative" | "withdraw">;

/** The guard's last refusal, for the command that caused it to report next to its button. */
export interface RefusalBox {
  last: string | null;
}

/** The bracket typed into: text typed at its end while the cursor stays there joins it (guards.ts). */
export interface TypingInto {
  id: string | null;
}

function stateOf(bracket: BracketAtCursor): Record<string, unknown> {
  return { id: bracket.id, by: [...bracket.by], reason: bracket.reason, group: bracket.group, note: bracket.note };
}

/** A new text node formatted as `like`, in `like`'s bracket (never with its footnote). */
function $sibling(like: TextNode, text: string): TextNode {
  const node = $createTextNode(text);
  node.setFormat(like.getFormat());
  node.setStyle(like.getStyle());
  const bracket = $bracketOf(like);
  if (bracket !== null) $setBracket(node, bracket);
  return node;
}

/**
 * The selected text as its own node(s) with bracket `value`. Within one text node (the common
 * case) the node keeps the text after the selection and new nodes take the text before it and
 * the selection: @lexical/yjs deletes and re-creates the text that moves to a new node, so
 * someone typing after the bracketed words, at the end of a clause as delegates do, keeps their
 * place (Lexical's own split moves everything after the selection into new nodes).
 */
function $bracketSelected(selection: RangeSelection, value: StateValue): TextNode[] {
  const { anchor, focus } = selection;
  const node = anchor.getNode();
  if (anchor.key !== focus.key || !$isTextNode(node) || node.isToken() || node.isSegmented()) {
    const nodes = selection.extract().filter($isTextNode);
    for (const n of nodes) $setBracket(n, value);
    return nodes;
  }
  const text = node.getTextContent();
  const [from, to] = [Math.min(anchor.offset, focus.offset), Math.max(anchor.offset, focus.offset)];
  const [head, selected, tail] = [text.slice(0, from), text.slice(from, to), text.slice(to)];
  let bracketed: TextNode;
  if (tail === "") {
    node.setTextContent(selected);
    $setBracket(node, value);
    bracketed = node;
  } else {
    node.setTextContent(tail);
    bracketed = $sibling(node, selected);
    $setBracket(bracketed, value);
    node.insertBefore(bracketed);
  }
  if (head !== "") bracketed.insertBefore($sibling(node, head));
  return [bracketed];
}

/** Gives every node of bracket `id` new attributes (a bracket may span paragraphs and formatting). */
function $setAll(bracket: BracketAtCursor): void {
  for (const node of $nodesOf(bracket.id)) $setBracket(node, stateOf(bracket));
}

/**
 * Bracket acts on a Lexical editor, with the same results as the Tiptap room's: the bracket
 * state the server counts. Each runs in one discrete update and keeps the focus in the clause.
 */
/** The undo manager @lexical/react's CollaborationPlugin publishes on its editor (its own symbol). */
function undoManagerOf(editor: LexicalEditor): UndoManager | undefined {
  return (editor as unknown as Record<symbol, UndoManager | undefined>)[Symbol.for("@lexical/yjs/UndoManager")];
}

export function bracketCommands(editor: LexicalEditor, typing: TypingInto, refusals: RefusalBox): BracketCommands {
  const run = (act: () => EditResult): EditResult => {
    if (!editor.isEditable()) return fail("This clause cannot be edited now.");
    let result: EditResult = OK;
    refusals.last = null;
    // A bracket act is not in the undo history (Withdraw takes it back): undone by Yjs after
    // another delegation reworked the bracket (an alternative regroups it), it moved the other's
    // alternative away from the bracket it answers. The discrete update reaches Yjs before
    // `update` returns; the act's own stack item is dropped.
    const history = undoManagerOf(editor);
    history?.stopCapturing();
    const depth = history?.undoStack.length ?? 0;
    editor.update(
      () => {
        result = act();
      },
      { discrete: true },
    );
    if (history && history.undoStack.length > depth) history.undoStack.splice(depth);
    history?.stopCapturing();
    editor.focus();
    // The guard refused it (another delegation's bracket, SPEC BO): nothing changed, and it says why.
    return refusals.last !== null ? fail(refusals.last) : result;
  };
  return {
    bracket: ({ by, reason, note }) =>
      run(() => {
        const selection = $getSelection();
        if (!$isRangeSelection(selection) || selection.isCollapsed()) return fail("Select the text to bracket first.");
        if (by.length === 0) return fail("Name at least one proposing delegation.");
        const value = { id: newId("b"), by: [...by], reason, group: null, note };
        const nodes = $bracketSelected(selection, value);
        // The cursor goes after the bracket: the next key must not replace the words just bracketed.
        const last = nodes.at(-1);
        if (last) last.select(last.getTextContentSize(), last.getTextContentSize());
        return OK;
      }),
    coSponsor: (delegation) =>
      run(() => {
        const bracket = $selectionOf().bracket;
        if (!bracket) return fail("Put the cursor in the bracket to co-sponsor.");
        if (bracket.by.includes(delegation)) return fail(`${delegation} already proposes this bracket.`);
        $setAll({ ...bracket, by: [...bracket.by, delegation] });
        return OK;
      }),
    alternative: (by) =>
      run(() => {
        const bracket = $selectionOf().bracket;
        const last = bracket ? $nodesOf(bracket.id).at(-1) : undefined;
        if (!bracket || !last) return fail("Put the cursor in a bracket to add an alternative to it.");
        const group = bracket.group ?? newId("g");
        if (bracket.group === null) $setAll({ ...bracket, group });
        const id = newId("b");
        const node = $createTextNode(ALTERNATIVE_PLACEHOLDER);
        $setBracket(node, { id, by: [...(by.length > 0 ? by : bracket.by)], reason: "alternative", group, note: null });
        last.insertAfter(node);
        node.select(0, ALTERNATIVE_PLACEHOLDER.length);
        // What is typed now replaces the placeholder and stays in the new bracket.
        typing.id = id;
        return OK;
      }),
    withdraw: (delegation) =>
      run(() => {
        const bracket = $selectionOf().bracket;
        if (!bracket) return fail("Put the cursor in the bracket to withdraw.");
        if (delegation !== null && !bracket.by.includes(delegation)) {
          return fail(`${delegation} is not among this bracket's proposers.`);
        }
        const by = delegation === null ? [] : bracket.by.filter((code) => code !== delegation);
        if (by.length > 0) {
          $setAll({ ...bracket, by });
          return OK;
        }
        // The last proposer withdraws: an alternative goes with its text (the other options stay);
        // any other bracket goes and its text stays, no longer disputed.
        const others = bracket.group !== null && $groupMembers(bracket.group).some((id) => id !== bracket.id);
        for (const node of $nodesOf(bracket.id)) {
          if (others) node.remove();
          else $setBracket(node, null);
        }
        return OK;
      }),
  };
}

/** The bracket ids of an alternatives group, in order. */
function $groupMembers(group: string): string[] {
  const ids: string[] = [];
  for (const node of $textNodes()) {
    const bracket = $bracketAt(node);
    if (bracket && bracket.group === group && !ids.includes(bracket.id)) ids.push(bracket.id);
  }
  return ids;
}
