import { Extension } from "@tiptap/core";
import type { ClauseKeys } from "../ClauseEditor.ts";

/**
 * The arrows cross clause borders as in one document; Escape reaches the toolbar. Tab is left to
 * the browser, so it moves on to the next control and never traps focus in a clause.
 */
function run(handler: () => void): true {
  handler();
  return true;
}

export function clauseKeys(keys: () => ClauseKeys) {
  return Extension.create({
    name: "clauseKeys",
    addKeyboardShortcuts() {
      const selection = () => this.editor.state.selection;
      const atStart = () => selection().empty && selection().from <= 1;
      const atEnd = () => selection().empty && selection().to >= this.editor.state.doc.content.size - 1;
      const up = () => atStart() && run(keys().previous);
      const down = () => atEnd() && run(keys().next);
      const toTools = () => run(keys().tools);
      return { ArrowUp: up, ArrowDown: down, Escape: toTools };
    },
  });
}
