import {
  type AttributedRun,
  type BracketAttrs,
  contentOfRuns,
  decideBracketEdit,
  needsOwnershipCheck,
} from "@gavel/model";
import {
  $createTextNode,
  $getRoot,
  $getSelection,
  $hasUpdateTag,
  $isElementNode,
  $isRangeSelection,
  $isTextNode,
  COLLABORATION_TAG,
  COMMAND_PRIORITY_HIGH,
  CONTROLLED_TEXT_INSERTION_COMMAND,
  HISTORIC_TAG,
  type LexicalEditor,
  mergeRegister,
  RootNode,
  TextNode,
} from "lexical";
import type { Identity } from "../../identity.ts";
import type { TypingInto } from "./bracketCommands.ts";
import { $bracketAt } from "./brackets.ts";
import { $bracketOf, $footnoteOf, $setBracket } from "./clauseState.ts";

/*
 * What the Tiptap room's guards do, on Lexical's terms (node transforms run before an update is
 * committed, hence before it reaches Yjs):
 * - a bracket grows only on purpose: text typed at either edge of a bracket's text node is split
 *   off into plain text (ProseMirror's non-inclusive mark), unless it is being typed into it
 *   (an alternative's placeholder typed over, a bracket's text replaced);
 * - a delegate's own proposal stays bracketed (SPEC CM2);
 * - a delegate's edit to another delegation's bracket is refused before it is sent (SPEC BO; the
 *   server enforces the same rules): the root transform throws RefusedEdit, and Lexical drops the
 *   whole update and puts the committed state back on the screen.
 * Remote and undone changes are left as they come.
 */

function isLocal(): boolean {
  return !$hasUpdateTag(COLLABORATION_TAG) && !$hasUpdateTag(HISTORIC_TAG);
}

/**
 * Text a local edit added at an edge of a bracket's node goes outside the bracket, and at an
 * edge of a footnote's anchor outside the anchor (after its number), as the Tiptap room's
 * non-inclusive marks do. The node keeps its text as it was (nothing of it is re-created in Yjs);
 * the added text becomes a node of its own beside it.
 */
function $keepMarkEdges(editor: LexicalEditor, node: TextNode, typing: TypingInto): void {
  const bracket = $bracketAt(node);
  const leaveBracket = bracket !== null && typing.id !== bracket.id;
  const footnote = $footnoteOf(node);
  // Typing into a bracket (its alternative's placeholder, its text replaced) stays in it.
  if (!leaveBracket && (footnote === null || bracket !== null)) return;
  const previous = editor.getEditorState()._nodeMap.get(node.getKey());
  if (!$isTextNode(previous)) return;
  if (leaveBracket ? $bracketAt(previous)?.id !== bracket?.id : $footnoteOf(previous) === null) return;
  // The committed text: getTextContent() reads the latest version, the one being edited.
  const was = previous.__text;
  const text = node.getTextContent();
  if (text.length <= was.length || was.length === 0) return;
  const selection = $getSelection();
  const at = $isRangeSelection(selection) && selection.anchor.key === node.getKey() ? selection.anchor.offset : -1;
  const after = text.startsWith(was) && at === text.length;
  const before = !after && text.endsWith(was) && at === text.length - was.length;
  if (!after && !before) return;
  const added = after ? text.slice(was.length) : text.slice(0, text.length - was.length);
  const plain = $createTextNode(added);
  plain.setFormat(node.getFormat());
  plain.setStyle(node.getStyle());
  node.setTextContent(was);
  if (after) node.insertAfter(plain);
  else node.insertBefore(plain);
  plain.select(added.length, added.length);
}

/**
 * Typing over the whole text of a bracket's node (an alternative's placeholder, a bracket's
 * text) replaces it inside the bracket: Lexical would put a fresh, unbracketed node there.
 */
function $typeOverBracket(text: string, typing: TypingInto): boolean {
  const selection = $getSelection();
  if (!$isRangeSelection(selection) || selection.isCollapsed() || text.length === 0) return false;
  const { anchor, focus } = selection;
  const node = anchor.getNode();
  if (anchor.key !== focus.key || !$isTextNode(node)) return false;
  const bracket = $bracketAt(node);
  const [from, to] = [Math.min(anchor.offset, focus.offset), Math.max(anchor.offset, focus.offset)];
  if (!bracket || from !== 0 || to !== node.getTextContentSize()) return false;
  node.setTextContent(text);
  node.select(text.length, text.length);
  typing.id = bracket.id;
  return true;
}

/** A local edit the guard refused: thrown inside the update, so that Lexical discards it. */
export class RefusedEdit extends Error {}

/** The clause's brackets as the server reads them (layout-neutral, packages/model). */
function $brackets() {
  const paragraphs = $getRoot()
    .getChildren()
    .map((block): AttributedRun[] =>
      $isElementNode(block)
        ? block
            .getChildren()
            .filter($isTextNode)
            .map((node) => ({
              text: node.getTextContent(),
              attributes: { bracket: $bracketOf(node), footnote: $footnoteOf(node) },
            }))
        : [],
    );
  return contentOfRuns(paragraphs).brackets;
}

function $guardForeignBrackets(editor: LexicalEditor, identity: Identity): void {
  if (identity.role !== "delegate" || !isLocal()) return;
  const before = editor.getEditorState().read($brackets);
  if (!needsOwnershipCheck(identity, before)) return;
  const decision = decideBracketEdit(identity, before, $brackets());
  if (!decision.ok) throw new RefusedEdit(`Not sent: ${decision.error.message.replace(/^[A-Z]{2}\d+: /, "")}.`);
}

export function registerClauseGuards(
  editor: LexicalEditor,
  options: {
    readonly identity: Identity;
    readonly proposal: () => BracketAttrs | null;
    readonly typing: TypingInto;
  },
): () => void {
  return mergeRegister(
    editor.registerNodeTransform(RootNode, () => $guardForeignBrackets(editor, options.identity)),
    editor.registerCommand(
      CONTROLLED_TEXT_INSERTION_COMMAND,
      (payload) => $typeOverBracket(typeof payload === "string" ? payload : (payload.data ?? ""), options.typing),
      COMMAND_PRIORITY_HIGH,
    ),
    editor.registerNodeTransform(TextNode, (node) => {
      if (!isLocal()) return;
      const proposal = options.proposal();
      if (proposal) {
        if ($bracketOf(node) === null)
          $setBracket(node, { ...proposal, by: [...proposal.by], group: proposal.group ?? null, note: null });
        return;
      }
      $keepMarkEdges(editor, node, options.typing);
    }),
    // Typing into a bracket lasts while the cursor stays in or at the edge of it.
    editor.registerUpdateListener(({ editorState, prevEditorState, dirtyLeaves, tags }) => {
      // Text typed over a selection inside one bracket replaces its text: what follows joins it.
      if (dirtyLeaves.size > 0 && !tags.has(COLLABORATION_TAG)) {
        const replaced = prevEditorState.read(() => {
          const selection = $getSelection();
          if (!$isRangeSelection(selection) || selection.isCollapsed()) return null;
          const [anchor, focus] = [selection.anchor.getNode(), selection.focus.getNode()];
          const id = $isTextNode(anchor) ? $bracketAt(anchor)?.id : undefined;
          return id && $isTextNode(focus) && $bracketAt(focus)?.id === id ? id : null;
        });
        if (replaced) options.typing.id = replaced;
      }
      const id = options.typing.id;
      if (id === null) return;
      editorState.read(() => {
        const selection = $getSelection();
        const node = $isRangeSelection(selection) ? selection.anchor.getNode() : null;
        if (!$isTextNode(node) || $bracketAt(node)?.id !== id) options.typing.id = null;
      });
    }),
  );
}
