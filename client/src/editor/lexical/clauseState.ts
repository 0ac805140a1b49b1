import { BRACKET_STATE, FOOTNOTE_STATE } from "@gavel/model";
import { $getState, $setState, createState, type TextNode } from "lexical";

/*
 * A bracket and a footnote reference in Lexical: NodeState of a plain TextNode, synced by
 * @lexical/yjs into the node's `__state` map, which is what the server reads (packages/model
 * layouts/lexicalLayout.ts). Values are kept as clients wrote them (objects or null): the model
 * decodes them, untrusted, on both sides.
 */

export type StateValue = Readonly<Record<string, unknown>> | null;

function parseObject(value: unknown): StateValue {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

export const bracketState = createState(BRACKET_STATE, { parse: parseObject });
export const footnoteState = createState(FOOTNOTE_STATE, { parse: parseObject });

export function $bracketOf(node: TextNode): StateValue {
  return $getState(node, bracketState);
}

export function $footnoteOf(node: TextNode): StateValue {
  return $getState(node, footnoteState);
}

export function $setBracket(node: TextNode, value: StateValue): TextNode {
  return $setState(node, bracketState, value);
}

export function $setFootnote(node: TextNode, value: StateValue): TextNode {
  return $setState(node, footnoteState, value);
}
