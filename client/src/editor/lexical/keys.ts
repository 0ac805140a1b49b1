import {
  $getRoot,
  $getSelection,
  $isRangeSelection,
  COMMAND_PRIORITY_HIGH,
  INSERT_LINE_BREAK_COMMAND,
  INSERT_PARAGRAPH_COMMAND,
  KEY_ARROW_DOWN_COMMAND,
  KEY_ARROW_UP_COMMAND,
  KEY_ESCAPE_COMMAND,
  type LexicalEditor,
  mergeRegister,
} from "lexical";
import type { ClauseKeys } from "../ClauseEditor.ts";

/**
 * The arrows cross clause borders as in one document; Escape reaches the toolbar; Tab is left to
 * the browser (no trap). A line break is a new paragraph: clause text has paragraphs only.
 */
export function registerClauseKeys(editor: LexicalEditor, keys: () => ClauseKeys): () => void {
  const at = (edge: "start" | "end"): boolean =>
    editor.getEditorState().read(() => {
      const selection = $getSelection();
      if (!$isRangeSelection(selection) || !selection.isCollapsed()) return false;
      const root = $getRoot();
      const point = selection.anchor;
      if (edge === "start") {
        const first = root.getFirstDescendant();
        return (
          first === null ||
          (point.offset === 0 && (point.key === first.getKey() || point.key === root.getFirstChild()?.getKey()))
        );
      }
      const last = root.getLastDescendant();
      if (last === null) return true;
      return point.key === last.getKey() && point.offset === last.getTextContentSize();
    });
  const handled = (event: KeyboardEvent | null, run: () => void): true => {
    event?.preventDefault();
    run();
    return true;
  };
  return mergeRegister(
    editor.registerCommand(
      KEY_ARROW_UP_COMMAND,
      (event) => at("start") && handled(event, keys().previous),
      COMMAND_PRIORITY_HIGH,
    ),
    editor.registerCommand(
      KEY_ARROW_DOWN_COMMAND,
      (event) => at("end") && handled(event, keys().next),
      COMMAND_PRIORITY_HIGH,
    ),
    editor.registerCommand(KEY_ESCAPE_COMMAND, (event) => handled(event, keys().tools), COMMAND_PRIORITY_HIGH),
    editor.registerCommand(
      INSERT_LINE_BREAK_COMMAND,
      () => editor.dispatchCommand(INSERT_PARAGRAPH_COMMAND, undefined),
      COMMAND_PRIORITY_HIGH,
    ),
  );
}
