import type { Editor } from "@tiptap/core";
import { TextSelection } from "@tiptap/pm/state";
import type { ClauseEditorHandle, EditResult } from "../ClauseEditor.ts";
import { lastRunOf, newId, removeBracket, selectionOf, setBracketAttrs } from "./brackets.ts";
import { bracketTypingKey } from "./guards.ts";

const OK: EditResult = { ok: true };
const fail = (message: string): EditResult => ({ ok: false, message });

/** The text an alternative starts with, selected so that typing replaces it. */
export const ALTERNATIVE_PLACEHOLDER = "alternative";

type BracketCommands = Pick<ClauseEditorHandle, "bracket" | "coSponsor" | "alternative" | "withdraw">;

/**
 * Bracket acts on a Tiptap editor: marks with the attributes the server counts. Each keeps the
 * focus in the clause, so that the next keystroke goes where the person expects.
 */
export function bracketCommands(editor: Editor): BracketCommands {
  const type = () => editor.schema.marks.bracket;
  const dispatch = (tr: ReturnType<Editor["view"]["state"]["tr"]["setMeta"]>): EditResult => {
    if (!editor.isEditable) return fail("This clause cannot be edited now.");
    editor.view.dispatch(tr);
    editor.commands.focus();
    // A guard may have refused the change (a foreign bracket): then nothing changed.
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
      return dispatch(state.tr.addMark(from, to, mark));
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
      const tr = editor.state.tr;
      if (delegation === null) return dispatch(removeBracket(tr, bracket.id));
      if (!bracket.by.includes(delegation)) return fail(`${delegation} is not among this bracket's proposers.`);
      const by = bracket.by.filter((code) => code !== delegation);
      return dispatch(
        by.length === 0 ? removeBracket(tr, bracket.id) : setBracketAttrs(tr, bracket.id, { ...bracket, by }),
      );
    },
  };
}
