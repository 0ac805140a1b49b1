import { BRACKET_REASONS } from "@gavel/model";
import type { Editor } from "@tiptap/core";
import { button, el } from "./dom.ts";
import { bracketRange } from "./extensions.ts";
import type { Identity } from "./identity.ts";

function newId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The bracket the selection is in, if any. */
function currentBracket(editor: Editor): { id: string; by: string[]; reason: string; group: string | null } | null {
  const attrs = editor.getAttributes("bracket");
  if (typeof attrs.id !== "string") return null;
  return {
    id: attrs.id,
    by: Array.isArray(attrs.by) ? (attrs.by as string[]) : [],
    reason: String(attrs.reason ?? "substantive"),
    group: typeof attrs.group === "string" ? attrs.group : null,
  };
}

/**
 * Brackets as objects: bracket the selection for one or more delegations with a reason, add an
 * alternative next to a bracket, withdraw a bracket. All of it is ordinary text formatting in the
 * clause document: the server counts the brackets from the text (SPEC CS6).
 */
export function bracketTools(editor: () => Editor, identity: Identity, notify: (message: string) => void): HTMLElement {
  const by = el("input", {
    name: "by",
    value: identity.delegation ?? "",
    "aria-label": "Proposing delegations (comma-separated)",
    size: "10",
  });
  const reason = el(
    "select",
    { name: "reason", "aria-label": "Reason" },
    ...BRACKET_REASONS.map((r) => el("option", { value: r }, r.replace(/_/g, " "))),
  );
  const delegations = () =>
    by.value
      .split(",")
      .map((d) => d.trim())
      .filter(Boolean);

  const bracket = () => {
    const e = editor();
    if (e.state.selection.empty) return notify("Select the text to bracket first.");
    if (delegations().length === 0) return notify("Name at least one proposing delegation.");
    e.chain()
      .focus()
      .setMark("bracket", { id: newId("b"), by: delegations(), reason: reason.value, group: null })
      .run();
  };

  const alternative = () => {
    const e = editor();
    const current = currentBracket(e);
    const range = current && bracketRange(e.state.doc, current.id);
    if (!current || !range) return notify("Put the cursor in a bracket to add an alternative to it.");
    const group = current.group ?? newId("g");
    const attrs = {
      id: newId("b"),
      by: delegations().length > 0 ? delegations() : current.by,
      reason: "alternative",
      group,
    };
    e.chain()
      .focus()
      .setTextSelection(range)
      .setMark("bracket", { ...current, group })
      .insertContentAt(range.to, { type: "text", text: "alternative", marks: [{ type: "bracket", attrs }] })
      .setTextSelection({ from: range.to, to: range.to + "alternative".length })
      .run();
  };

  const withdraw = () => {
    const e = editor();
    const current = currentBracket(e);
    const range = current && bracketRange(e.state.doc, current.id);
    if (!range) return notify("Put the cursor in the bracket to withdraw.");
    e.chain().focus().setTextSelection(range).unsetMark("bracket").run();
  };

  return el(
    "div",
    { class: "bracket-tools", role: "group", "aria-label": "Brackets" },
    by,
    reason,
    button("Bracket", "bracket", bracket),
    button("Alternative", "alternative", alternative),
    button("Withdraw", "withdraw", withdraw),
  );
}
