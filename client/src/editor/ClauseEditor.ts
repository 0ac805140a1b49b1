import type { BracketAttrs, BracketReason } from "@gavel/model";
import type { ComponentType, Ref } from "react";
import type { Identity } from "../identity.ts";
import type { ClauseCopy } from "../room/ClauseBinding.ts";

/*
 * The one interface between the room and a clause editor. The room never touches an editor's
 * own types: it renders an editor component for a clause copy and acts on it through the handle.
 * A second editor (Lexical) implements the same two types.
 */

/** A bracket as the editor reads it at the selection (attributes from clients: untrusted). */
export interface BracketAtCursor {
  readonly id: string;
  readonly by: readonly string[];
  readonly reason: BracketReason;
  readonly group: string | null;
  readonly note: string | null;
}

export interface EditorSelection {
  readonly empty: boolean;
  /** The bracket the selection is in (or, for a range, the one bracket covering it), if any. */
  readonly bracket: BracketAtCursor | null;
}

export const NO_SELECTION: EditorSelection = { empty: true, bracket: null };

export type EditResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

export interface NewBracket {
  readonly by: readonly string[];
  readonly reason: BracketReason;
  readonly note: string | null;
}

export interface ClauseEditorHandle {
  focus(where?: "start" | "end" | "keep"): void;
  /** Selects the whole text: a new clause's placeholder, to be typed over. */
  selectAll(): void;
  selection(): EditorSelection;
  /** Brackets the selection for the given delegations. */
  bracket(bracket: NewBracket): EditResult;
  /** Adds the delegation to the proposers of the bracket at the cursor. */
  coSponsor(delegation: string): EditResult;
  /** Adds an alternative after the bracket at the cursor and selects its placeholder text. */
  alternative(by: readonly string[]): EditResult;
  /** Takes the delegation off the bracket at the cursor; null (chair, secretariat) removes the bracket. */
  withdraw(delegation: string | null): EditResult;
}

export interface ClauseKeys {
  /** ArrowUp at the start of the clause. */
  readonly previous: () => void;
  /** ArrowDown at the end of the clause. */
  readonly next: () => void;
  /** Escape: to the toolbar that acts on this clause. */
  readonly tools: () => void;
}

export interface ClauseEditorProps {
  readonly copy: ClauseCopy;
  /** What assistive technology announces: "Clause 3 bis". */
  readonly label: string;
  readonly editable: boolean;
  readonly identity: Identity;
  /** No carets, no awareness: observers and the projector. */
  readonly silent: boolean;
  /**
   * A delegate's own proposal (SPEC CM2): while it is typed, every character stays inside this
   * bracket. Null for any other clause.
   */
  readonly proposal: BracketAttrs | null;
  /** A person's colour on this screen (carets), as presence and the redline show it. */
  readonly colourOf: (person: { readonly id: string; readonly delegation: string | null }) => string;
  readonly sourceTitle: (sourceId: string) => string;
  readonly keys: ClauseKeys;
  readonly onFocus: () => void;
  readonly onSelection: (selection: EditorSelection) => void;
  /** A local edit the editor refused before sending it (e.g. a foreign bracket, SPEC BO1). */
  readonly onRefused: (message: string) => void;
  readonly ref?: Ref<ClauseEditorHandle>;
}

export type ClauseEditorComponent = ComponentType<ClauseEditorProps>;
