import type { Editor } from "@tiptap/core";
import { TextSelection, type Transaction } from "@tiptap/pm/state";
import type { ClauseEditorHandle, EditResult } from "../ClauseEditor.ts";
import {
  deleteBracketText,
  groupMembers,
  lastRunOf,
  newId,
  removeBracket,
  selectionOf,
  setBracketAttrs,
} from "./brackets.ts";
import { bracketTypingKey, type RefusalBox } from "./guards.ts";

const OK: EditResult = { ok: true };
const fail = (message: string): EditResult => ({ ok: false, message });

/** The text an alternative starts with, selected so that typing replaces it. */
export const ALTERNATIVE_PLACEHOLDER = "alternative";

type BracketCommands = Pick<ClauseEditorHandle, "bracket" | "coSponsor" | "alternative" | "withdraw">;

/**
 * Bracket acts on a Tiptap editor: marks with the attributes the server counts. Each keeps the
 * focus in the clause, so that the next keystroke goes where the person expects.
 */
export function bracketCommands(editor: Editor, refusals: RefusalBox): BracketCommands {
  const type = () => editor.schema.marks.bracket;
  const dispatch = (tr: Transaction): EditResult => {
    if (!editor.isEditable) return fail("This clause cannot be edited now.");
    // A bracket act is not in the undo history (Withdraw takes it back): undone by Yjs after
    // another delegation reworked the bracket (an alternative regroups it), it took away only this
    // page's format marks and spread the bracket over the rest of the clause.
    tr.setMeta("addToHistory", false);
    const before = editor.state.doc;
    refusals.last = null;
    editor.view.dispatch(tr);
    editor.commands.focus();
    // A guard refused it (another delegation's bracket, SPEC BO): nothing changed, and it says why.
    if (tr.docChanged && editor.state.doc === before) return fail(refusals.last ?? "The change was not accepted.");
    return OK;
  };
  return {
    bracket({ by, reason, note }) {
      const { state } = editor;
      const markType = type();
      if (state.selection.empty || !markType) return fail("Select the text to bracket first.");
      if (by.length === 0) return fail("Name at least one proposing delegation.");
      const { from, to } = state.selection;
      const mark = markType.create({ id: newId("b"), by: [...by], reason, group: null, note });
      // The cursor goes after the bracket: the next key must not replace the words just bracketed.
      const tr = state.tr.addMark(from, to, mark);
      return dispatch(tr.setSelection(TextSelection.create(tr.doc, to)));
    },
    coSponsor(delegation) {
      const bracket = selectionOf(editor.state).bracket;
      if (!bracket) return fail("Put the cursor in the bracket to co-sponsor.");
      if (bracket.by.includes(delegation)) return fail(`${delegation} already proposes this bracket.`);
      return dispatch(setBracketAttrs(editor.state.tr, bracket.id, { ...bracket, by: [...bracket.by, delegation] }));
    },
    alternative(by) {
      const bracket = selectionOf(editor.state).bracket;
      const markType = type();
      if (!bracket || !markType) return fail("Put the cursor in a bracket to add an alternative to it.");
      const last = lastRunOf(editor.state.doc, bracket.id);
      if (!last) return fail("Put the cursor in a bracket to add an alternative to it.");
      const group = bracket.group ?? newId("g");
      const tr = editor.state.tr;
      if (bracket.group === null) setBracketAttrs(tr, bracket.id, { ...bracket, group });
      const mark = markType.create({
        id: newId("b"),
        by: [...(by.length > 0 ? by : bracket.by)],
        reason: "alternative",
        group,
        note: null,
      });
      tr.insert(last.to, editor.schema.text(ALTERNATIVE_PLACEHOLDER, [mark]));
      tr.setSelection(TextSelection.create(tr.doc, last.to, last.to + ALTERNATIVE_PLACEHOLDER.length));
      // What is typed now replaces the placeholder and stays in the new bracket.
      tr.setMeta(bracketTypingKey, String(mark.attrs.id));
      return dispatch(tr);
    },
    withdraw(delegation) {
      const bracket = selectionOf(editor.state).bracket;
      if (!bracket) return fail("Put the cursor in the bracket to withdraw.");
      if (delegation !== null && !bracket.by.includes(delegation)) {
        return fail(`${delegation} is not among this bracket's proposers.`);
      }
      const by = delegation === null ? [] : bracket.by.filter((code) => code !== delegation);
      const tr = editor.state.tr;
      if (by.length > 0) return dispatch(setBracketAttrs(tr, bracket.id, { ...bracket, by }));
      // The last proposer withdraws: an alternative goes with its text (the other options stay);
      // any other bracket goes and its text stays, no longer disputed.
      const alternatives = bracket.group === null ? [] : groupMembers(editor.state.doc, bracket.group);
      if (alternatives.some((id) => id !== bracket.id)) return dispatch(deleteBracketText(tr, bracket.id));
      return dispatch(removeBracket(tr, bracket.id));
    },
  };
}
