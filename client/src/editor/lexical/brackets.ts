import { BRACKET_REASONS, type BracketReason } from "@gavel/model";
import { $getRoot, $getSelection, $isElementNode, $isRangeSelection, $isTextNode, type TextNode } from "lexical";
import type { BracketAtCursor, EditorSelection } from "../ClauseEditor.ts";
import { $bracketOf, type StateValue } from "./clauseState.ts";

/*
 * Brackets in a Lexical clause: text nodes whose `bracket` state carries {id, by, reason, group,
 * note}. Values come from other clients: read them defensively, as the server does.
 */

export function bracketValueOf(value: StateValue): BracketAtCursor | null {
  if (value === null) return null;
  const { id, by, reason, group, note } = value;
  return {
    id: typeof id === "string" && id ? id : "?",
    by: Array.isArray(by) ? by.filter((c): c is string => typeof c === "string" && c.length > 0) : [],
    reason: (BRACKET_REASONS as readonly unknown[]).includes(reason) ? (reason as BracketReason) : "substantive",
    group: typeof group === "string" && group ? group : null,
    note: typeof note === "string" && note ? note : null,
  };
}

export function $bracketAt(node: TextNode | null): BracketAtCursor | null {
  return node ? bracketValueOf($bracketOf(node)) : null;
}

/** Every text node of the clause, in document order. */
export function $textNodes(): TextNode[] {
  return $getRoot()
    .getChildren()
    .flatMap((block) => ($isElementNode(block) ? block.getChildren().filter($isTextNode) : []));
}

/** The text nodes of bracket `id`, in order. */
export function $nodesOf(id: string): TextNode[] {
  return $textNodes().filter((node) => $bracketAt(node)?.id === id);
}

function sibling(node: TextNode, side: "previous" | "next"): TextNode | null {
  const other = side === "previous" ? node.getPreviousSibling() : node.getNextSibling();
  return $isTextNode(other) ? other : null;
}

/** The bracket the selection is in: at a cursor the text after it, else before; a range inside one bracket. */
export function $selectionOf(): EditorSelection {
  const selection = $getSelection();
  if (!$isRangeSelection(selection)) return { empty: true, bracket: null };
  if (selection.isCollapsed()) {
    const node = selection.anchor.getNode();
    if (!$isTextNode(node)) return { empty: true, bracket: null };
    const offset = selection.anchor.offset;
    const after = offset < node.getTextContentSize() ? node : sibling(node, "next");
    const before = offset > 0 ? node : sibling(node, "previous");
    return { empty: true, bracket: $bracketAt(after) ?? $bracketAt(before) };
  }
  const nodes = selection.getNodes().filter($isTextNode);
  const brackets = nodes.map((node) => $bracketAt(node));
  const ids = new Set(brackets.map((b) => b?.id ?? null));
  const first = brackets[0] ?? null;
  return { empty: false, bracket: ids.size === 1 && first !== null ? first : null };
}

export function newId(prefix: string): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `${prefix}-${[...bytes].map((b) => b.toString(36).padStart(2, "0")).join("")}`;
}
