import { $getRoot, $isElementNode, $isTextNode, type LexicalEditor, setDOMUnmanaged, type TextNode } from "lexical";
import { $bracketAt } from "./brackets.ts";
import { $footnoteOf } from "./clauseState.ts";

/*
 * The literal `[ ]`, the proposers after each bracket and the footnote numbers, drawn as the
 * Tiptap room draws them (same classes, same order: text, footnote number, `]`, proposers, then
 * the next `[`), never typed, never stored. Lexical has no decorations: after every update the
 * widgets are drawn again beside the text nodes' DOM, marked unmanaged so that Lexical's mutation
 * observer leaves them alone, and not editable.
 */

const WIDGET = "data-clause-widget";
/** Reasons that say more than "not agreed" are written out: a colour alone would not tell them. */
const SPOKEN_REASONS = new Set(["awaiting_instructions", "placeholder", "editorial"]);

function widget(text: string, className: string, hidden: boolean): HTMLElement {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  span.contentEditable = "false";
  span.setAttribute(WIDGET, "");
  if (hidden) span.setAttribute("aria-hidden", "true");
  setDOMUnmanaged(span);
  return span;
}

function proposersText(by: readonly string[], reason: string, note: string | null): string {
  const parts = [by.join(", ")];
  if (SPOKEN_REASONS.has(reason)) parts.push(reason.replace(/_/g, " "));
  if (note) parts.push(`“${note.length > 30 ? `${note.slice(0, 29)}…` : note}”`);
  return parts.join(" · ");
}

function footnoteIdOf(node: TextNode | undefined): string | null {
  const value = node ? $footnoteOf(node) : null;
  return value && typeof value.id === "string" ? value.id : null;
}

/** The bracket on the text's own element, as the Tiptap room renders its mark (class, proposers, title). */
function markBracket(dom: HTMLElement, bracket: ReturnType<typeof $bracketAt>): void {
  for (const name of [...dom.classList])
    if (name === "bracket" || name.startsWith("reason-")) dom.classList.remove(name);
  if (!bracket) {
    for (const name of ["data-bracket-id", "data-by", "data-reason", "title"]) dom.removeAttribute(name);
    return;
  }
  dom.classList.add("bracket", `reason-${bracket.reason.replace(/[^a-z_]/g, "")}`);
  dom.setAttribute("data-bracket-id", bracket.id);
  dom.setAttribute("data-by", bracket.by.join(","));
  dom.setAttribute("data-reason", bracket.reason);
  const note = bracket.note ? ` — ${bracket.note}` : "";
  dom.title = `Proposed by ${bracket.by.join(", ") || "unknown"} (${bracket.reason.replace(/_/g, " ")})${note}`;
}

/** Draws the widgets of the current state into the editor's DOM (replacing the previous ones). */
function $draw(editor: LexicalEditor, sourceTitle: (id: string) => string): void {
  const root = editor.getRootElement();
  if (!root) return;
  for (const old of root.querySelectorAll(`[${WIDGET}]`)) old.remove();
  const blocks = $getRoot()
    .getChildren()
    .map((block) => ($isElementNode(block) ? block.getChildren().filter($isTextNode) : []));
  const lastOf = new Map<string, string>();
  for (const nodes of blocks)
    for (const node of nodes) {
      const id = $bracketAt(node)?.id;
      if (id) lastOf.set(id, node.getKey());
    }
  let footnotes = 0;
  for (const nodes of blocks) {
    nodes.forEach((node, i) => {
      const dom = editor.getElementByKey(node.getKey());
      if (!dom) return;
      const bracket = $bracketAt(node);
      markBracket(dom, bracket);
      const before = $bracketAt(nodes[i - 1] ?? null)?.id ?? null;
      const after = $bracketAt(nodes[i + 1] ?? null)?.id ?? null;
      const after_: HTMLElement[] = [];
      const footnote = footnoteIdOf(node);
      if (footnote !== null && footnoteIdOf(nodes[i + 1]) !== footnote) {
        const value = $footnoteOf(node);
        const title = sourceTitle(typeof value?.source === "string" ? value.source : "");
        const number = String(++footnotes);
        const sup = widget(number, "footnote-ref", false);
        sup.title = title;
        sup.setAttribute("aria-label", `footnote ${number}: ${title}`);
        after_.push(sup);
      }
      if (bracket) {
        const cls = `bracket-sign reason-${bracket.reason}`;
        if (before !== bracket.id) dom.before(widget("[", cls, true));
        if (after !== bracket.id) {
          after_.push(widget("]", cls, true));
          if (lastOf.get(bracket.id) === node.getKey() && bracket.by.length > 0) {
            const codes = proposersText(bracket.by, bracket.reason, bracket.note);
            const sup = widget(codes, "proposers", false);
            sup.setAttribute("aria-label", `proposed by ${codes}`);
            after_.push(sup);
          }
        }
      }
      dom.after(...after_);
    });
  }
}

export function registerClauseDecorations(
  editor: LexicalEditor,
  sourceTitle: () => (id: string) => string,
): () => void {
  const draw = () => {
    editor.getEditorState().read(() => $draw(editor, sourceTitle()));
    // Lexical's mutation observer would take the widgets' removal for a foreign change and put the
    // paragraph back together (moving its text around the new widgets): it must not see them, as
    // it does not see Lexical's own reconciliation. Nothing else is pending: the listener runs
    // synchronously after the commit, which took the records of its own changes.
    editor._observer?.takeRecords();
  };
  // Only when nodes changed: redrawing changes the DOM, and Lexical answers DOM mutations with an
  // update of its own, which must not draw again.
  const stop = editor.registerUpdateListener(({ dirtyElements, dirtyLeaves }) => {
    if (dirtyElements.size > 0 || dirtyLeaves.size > 0) draw();
  });
  draw();
  return stop;
}
