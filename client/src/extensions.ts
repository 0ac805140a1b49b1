import { Extension, Mark } from "@tiptap/core";
import Bold from "@tiptap/extension-bold";
import Document from "@tiptap/extension-document";
import Italic from "@tiptap/extension-italic";
import Paragraph from "@tiptap/extension-paragraph";
import Text from "@tiptap/extension-text";
import type { Node as PMNode } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";

/**
 * A bracket: text without consensus, with its proposers and reason. Stored as the Yjs
 * formatting attribute `bracket` {id, by, reason, group} (packages/model clauseText.ts).
 */
export const BracketMark = Mark.create({
  name: "bracket",
  inclusive: false,
  addAttributes() {
    return {
      id: { default: null, rendered: false },
      by: { default: [], rendered: false },
      reason: { default: "substantive", rendered: false },
      group: { default: null, rendered: false },
    };
  },
  parseHTML() {
    return [{ tag: "span[data-bracket-id]" }];
  },
  renderHTML({ mark }) {
    const by = Array.isArray(mark.attrs.by) ? (mark.attrs.by as string[]) : [];
    const reason = String(mark.attrs.reason ?? "substantive");
    return [
      "span",
      {
        class: `bracket reason-${reason}`,
        "data-bracket-id": String(mark.attrs.id ?? ""),
        "data-by": by.join(","),
        "data-reason": reason,
        title: `Proposed by ${by.join(", ") || "unknown"} (${reason.replace(/_/g, " ")})`,
      },
      0,
    ];
  },
});

/** A footnote reference on its anchor text, citing a source of the session's registry. */
export const FootnoteMark = Mark.create({
  name: "footnote",
  inclusive: false,
  addAttributes() {
    return {
      id: { default: null, rendered: false },
      source: { default: null, rendered: false },
      note: { default: null, rendered: false },
    };
  },
  parseHTML() {
    return [{ tag: "span[data-footnote-source]" }];
  },
  renderHTML({ mark }) {
    return ["span", { class: "footnote-anchor", "data-footnote-source": String(mark.attrs.source ?? "") }, 0];
  },
});

interface Run {
  readonly id: string;
  readonly from: number;
  to: number;
  readonly reason: string;
}

/** Consecutive text carrying one bracket id (across bold/italic changes) is one bracket. */
function bracketRuns(doc: PMNode): Run[] {
  const runs: Run[] = [];
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    const mark = node.marks.find((m) => m.type.name === "bracket");
    const last = runs.at(-1);
    const id = mark ? String(mark.attrs.id ?? "?") : null;
    if (id !== null && last && last.id === id && last.to === pos) {
      last.to = pos + node.nodeSize;
    } else if (id !== null && mark) {
      runs.push({ id, from: pos, to: pos + node.nodeSize, reason: String(mark.attrs.reason ?? "substantive") });
    }
  });
  return runs;
}

function widget(text: string, className: string): HTMLElement {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  span.setAttribute("aria-hidden", "true");
  return span;
}

/**
 * Draws the literal `[` and `]` around each bracket (decorations, not text) and the footnote
 * reference numbers, titled with their source.
 */
export function bracketDecorations(sourceTitle: (id: string) => string) {
  return Extension.create({
    name: "bracketDecorations",
    addProseMirrorPlugins() {
      return [
        new Plugin({
          key: new PluginKey("bracketDecorations"),
          props: {
            decorations(state) {
              const decorations: Decoration[] = [];
              for (const run of bracketRuns(state.doc)) {
                const cls = `bracket-sign reason-${run.reason}`;
                decorations.push(Decoration.widget(run.from, () => widget("[", cls), { side: -1, key: `o${run.id}` }));
                decorations.push(Decoration.widget(run.to, () => widget("]", cls), { side: 1, key: `c${run.id}` }));
              }
              let n = 0;
              state.doc.descendants((node, pos) => {
                const mark = node.marks.find((m) => m.type.name === "footnote");
                if (!node.isText || !mark) return;
                const next = state.doc.resolve(pos + node.nodeSize).nodeAfter;
                if (next?.marks.some((m) => m.type.name === "footnote" && m.attrs.id === mark.attrs.id)) return;
                n += 1;
                const title = sourceTitle(String(mark.attrs.source ?? ""));
                decorations.push(
                  Decoration.widget(
                    pos + node.nodeSize,
                    () => {
                      const sup = widget(String(n), "footnote-ref");
                      sup.title = title;
                      sup.removeAttribute("aria-hidden");
                      sup.setAttribute("aria-label", `footnote: ${title}`);
                      return sup;
                    },
                    { side: 1 },
                  ),
                );
              });
              return DecorationSet.create(state.doc, decorations);
            },
          },
        }),
      ];
    },
  });
}

export interface ClauseKeyHandlers {
  readonly previous: () => void;
  readonly next: () => void;
  readonly enterAtEnd: () => void;
  /** Escape: to the clause's tools (brackets, chair console), so they are reachable without a mouse. */
  readonly tools: () => void;
}

/** Keyboard as in one document: arrows and Tab cross clause borders, Enter at the end proposes a clause. */
export function clauseKeys(handlers: ClauseKeyHandlers) {
  return Extension.create({
    name: "clauseKeys",
    addKeyboardShortcuts() {
      const atStart = () => this.editor.state.selection.empty && this.editor.state.selection.from <= 1;
      const atEnd = () =>
        this.editor.state.selection.empty && this.editor.state.selection.to >= this.editor.state.doc.content.size - 1;
      const run = (handler: () => void) => {
        handler();
        return true;
      };
      return {
        ArrowUp: () => atStart() && run(handlers.previous),
        ArrowDown: () => atEnd() && run(handlers.next),
        Tab: () => run(handlers.next),
        "Shift-Tab": () => run(handlers.previous),
        Enter: () => atEnd() && this.editor.isEditable && run(handlers.enterAtEnd),
        Escape: () => run(handlers.tools),
      };
    },
  });
}

export const baseExtensions = [Document, Paragraph, Text, Bold, Italic, BracketMark, FootnoteMark];

/** Finds the range of a bracket by id. */
export function bracketRange(doc: PMNode, id: string): { from: number; to: number } | null {
  const run = bracketRuns(doc).filter((r) => r.id === id);
  const first = run[0];
  const last = run.at(-1);
  return first && last ? { from: first.from, to: last.to } : null;
}
