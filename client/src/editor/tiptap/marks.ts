import { Mark } from "@tiptap/core";
import Bold from "@tiptap/extension-bold";
import Document from "@tiptap/extension-document";
import Italic from "@tiptap/extension-italic";
import Paragraph from "@tiptap/extension-paragraph";
import Text from "@tiptap/extension-text";
import { Fragment, type Node as PMNode, Slice } from "@tiptap/pm/model";

/**
 * A bracket: text without consensus, with its proposers, reason and an optional note. Stored as
 * the Yjs formatting attribute `bracket` {id, by, reason, group, note} (packages/model
 * clauseText.ts), which is what the server reads and counts.
 */
export const BracketMark = Mark.create({
  name: "bracket",
  // Typing at either edge of a bracket stays outside it: a bracket grows only on purpose.
  inclusive: false,
  addAttributes() {
    return {
      id: { default: null, rendered: false },
      by: { default: [], rendered: false },
      reason: { default: "substantive", rendered: false },
      group: { default: null, rendered: false },
      note: { default: null, rendered: false },
    };
  },
  parseHTML() {
    return [{ tag: "span[data-bracket-id]" }];
  },
  renderHTML({ mark }) {
    const by = Array.isArray(mark.attrs.by) ? (mark.attrs.by as unknown[]).filter((c) => typeof c === "string") : [];
    const reason = typeof mark.attrs.reason === "string" ? mark.attrs.reason : "substantive";
    const note = typeof mark.attrs.note === "string" && mark.attrs.note ? ` — ${mark.attrs.note}` : "";
    return [
      "span",
      {
        class: `bracket reason-${reason.replace(/[^a-z_]/g, "")}`,
        "data-bracket-id": String(mark.attrs.id ?? ""),
        "data-by": by.join(","),
        "data-reason": reason,
        title: `Proposed by ${by.join(", ") || "unknown"} (${reason.replace(/_/g, " ")})${note}`,
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

export const baseExtensions = [Document, Paragraph, Text, Bold, Italic, BracketMark, FootnoteMark];

/**
 * Pasted or dropped content without its brackets and footnotes, and whether it had any. Their
 * attributes (id, proposers) are not in the clipboard's HTML: pasted as they are, they would
 * become brackets of no delegation that no delegate can withdraw, and footnotes citing nothing.
 * The text comes in plain, as in the Lexical room; a delegate brackets it again to propose it.
 */
export function withoutAnnotations(slice: Slice): { readonly slice: Slice; readonly stripped: boolean } {
  let stripped = false;
  const clean = (fragment: Fragment): Fragment => {
    const nodes: PMNode[] = [];
    fragment.forEach((node) => {
      if (node.isText) {
        const marks = node.marks.filter((m) => m.type.name !== "bracket" && m.type.name !== "footnote");
        if (marks.length !== node.marks.length) stripped = true;
        nodes.push(node.mark(marks));
      } else nodes.push(node.copy(clean(node.content)));
    });
    return Fragment.from(nodes);
  };
  const content = clean(slice.content);
  return { slice: stripped ? new Slice(content, slice.openStart, slice.openEnd) : slice, stripped };
}
