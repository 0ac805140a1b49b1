import type * as Y from "yjs";
import { type BracketWriter, decideBracketEdit } from "./bracketOwnership.ts";
import type { ClauseContent } from "./clauseReader.ts";
import type { ParagraphRuns } from "./clauseText.ts";
import type { ClauseFigures } from "./consensus.ts";
import { lexicalLayout } from "./layouts/lexicalLayout.ts";
import { prosemirrorLayout } from "./layouts/prosemirrorLayout.ts";
import type { RuleDecision } from "./rules.ts";

/*
 * How a clause's text lives in its Y.Doc depends on the editor that binds it: y-prosemirror
 * (Tiptap) and @lexical/yjs write different trees, and neither can read the other's without
 * destroying text. So a session picks one editor, every clause document of it has exactly that
 * layout, and everything that reads or writes clause text goes through the session's layout.
 */

export const EDITORS = ["tiptap", "lexical"] as const;
export type EditorKind = (typeof EDITORS)[number];

export function isEditorKind(value: unknown): value is EditorKind {
  return (EDITORS as readonly unknown[]).includes(value);
}

/** A clause's Yjs layout. Both implementations pass one contract suite (packages/model/test/clauseLayout.contract.test.ts). */
export interface ClauseLayout {
  readonly name: "prosemirror" | "lexical";
  /** The editor whose own Yjs binding writes this layout. */
  readonly editor: EditorKind;
  /** The top-level shared type holding the text (Tiptap: XmlFragment `default`; Lexical: XmlText `root`). */
  readonly root: string;
  /** The layout-neutral content: text with literal `[ ]`, brackets, footnotes, figures (CS7). Never throws. */
  read(doc: Y.Doc): ClauseContent;
  /** Writes paragraphs into an empty clause document, as the editor itself would. */
  write(doc: Y.Doc, paragraphs: readonly ParagraphRuns[]): void;
  /**
   * Whether a transaction may have added a bracket to what `read` reads, or changed the
   * proposers, id or first run of one: conservative (true when unsure), cheap for typing.
   */
  bracketsMayChange(transaction: Y.Transaction): boolean;
  /**
   * The clause's blocks for the redline walk: each block's items in order, with the item that
   * decides the bracket of the characters after it (a bracket mark, a text node's header).
   */
  redlineBlocks(doc: Y.Doc): RedlineBlocks;
}

/** What the redline walk needs of a layout (server/src/core/clauseRedline.ts). */
export interface RedlineBlocks {
  /** Top-level items that are blocks (paragraphs), in order, deleted ones included. */
  readonly blocks: readonly Y.Item[];
  /** The text types of a block, in order, each with the items that hold its characters. */
  texts(block: Y.Item): readonly Y.XmlText[];
  /** Whether an item of a text type decides the bracket of the characters after it. */
  isBracketMark(item: Y.Item): boolean;
  /** The bracket key a mark gives the characters after it, at a point in time (null: none). */
  keyOf(mark: Y.Item, snapshot: Y.Snapshot): string | null;
}

export function layoutOf(editor: EditorKind): ClauseLayout {
  switch (editor) {
    case "tiptap":
      return prosemirrorLayout;
    case "lexical":
      return lexicalLayout;
  }
}

/** Live figures of a clause (CS6, CS7). */
export function clauseFigures(layout: ClauseLayout, doc: Y.Doc): ClauseFigures {
  return layout.read(doc).figures;
}

/** BO2-BO3 between two states of one clause document, read through its layout. */
export function decideClauseEdit(
  layout: ClauseLayout,
  writer: BracketWriter,
  before: Y.Doc,
  after: Y.Doc,
): RuleDecision {
  return decideBracketEdit(writer, layout.read(before).brackets, layout.read(after).brackets);
}
