import { BRACKET_REASONS, type BracketReason } from "@gavel/model";
import type { Mark, Node as PMNode } from "@tiptap/pm/model";
import type { EditorState, Transaction } from "@tiptap/pm/state";
import type { BracketAtCursor, EditorSelection } from "../ClauseEditor.ts";

/** Consecutive text of one paragraph carrying one bracket id (across bold and italic) is one run. */
export interface BracketRun {
  readonly id: string;
  readonly from: number;
  to: number;
  readonly mark: Mark;
}

/** Mark attributes come from other clients: read them defensively, as the server does. */
export function attrsOf(mark: Mark): BracketAtCursor {
  const { id, by, reason, group, note } = mark.attrs as Record<string, unknown>;
  return {
    id: typeof id === "string" && id ? id : "?",
    by: Array.isArray(by) ? by.filter((c): c is string => typeof c === "string" && c.length > 0) : [],
    reason: (BRACKET_REASONS as readonly unknown[]).includes(reason) ? (reason as BracketReason) : "substantive",
    group: typeof group === "string" && group ? group : null,
    note: typeof note === "string" && note ? note : null,
  };
}

export function bracketMarkOf(node: PMNode): Mark | undefined {
  return node.marks.find((m) => m.type.name === "bracket");
}

export function bracketRuns(doc: PMNode): BracketRun[] {
  const runs: BracketRun[] = [];
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    const mark = bracketMarkOf(node);
    if (!mark) return;
    const id = attrsOf(mark).id;
    const last = runs.at(-1);
    if (last && last.id === id && last.to === pos) last.to = pos + node.nodeSize;
    else runs.push({ id, from: pos, to: pos + node.nodeSize, mark });
  });
  return runs;
}

/** Every bracket of a document with its text, as the ownership rules compare them (SPEC BO). */
export interface BracketSummary extends BracketAtCursor {
  readonly text: string;
}

export function bracketSummaries(doc: PMNode): Map<string, BracketSummary> {
  const out = new Map<string, BracketSummary>();
  for (const run of bracketRuns(doc)) {
    const text = doc.textBetween(run.from, run.to);
    const known = out.get(run.id);
    out.set(run.id, known ? { ...known, text: `${known.text}\n${text}` } : { ...attrsOf(run.mark), text });
  }
  return out;
}

/** The bracket the selection is in: at a cursor the text after it, else before; a range inside one bracket. */
export function selectionOf(state: EditorState): EditorSelection {
  const { selection, doc } = state;
  if (selection.empty) {
    const { $from } = selection;
    const mark =
      ($from.nodeAfter && bracketMarkOf($from.nodeAfter)) ?? ($from.nodeBefore && bracketMarkOf($from.nodeBefore));
    return { empty: true, bracket: mark ? attrsOf(mark) : null };
  }
  const ids = new Set<string>();
  let first: Mark | undefined;
  let bare = false;
  doc.nodesBetween(selection.from, selection.to, (node) => {
    if (!node.isText) return;
    const mark = bracketMarkOf(node);
    if (!mark) bare = true;
    else {
      ids.add(attrsOf(mark).id);
      first ??= mark;
    }
  });
  return { empty: false, bracket: !bare && ids.size === 1 && first ? attrsOf(first) : null };
}

/** Gives every run of bracket `id` new attributes (a bracket may span paragraphs and formatting). */
export function setBracketAttrs(tr: Transaction, id: string, attrs: Omit<BracketAtCursor, "id">): Transaction {
  const type = tr.doc.type.schema.marks.bracket;
  if (!type) return tr;
  for (const run of bracketRuns(tr.doc).filter((r) => r.id === id)) {
    tr.addMark(run.from, run.to, type.create({ id, ...attrs, by: [...attrs.by] }));
  }
  return tr;
}

export function removeBracket(tr: Transaction, id: string): Transaction {
  const type = tr.doc.type.schema.marks.bracket;
  if (!type) return tr;
  for (const run of bracketRuns(tr.doc).filter((r) => r.id === id)) tr.removeMark(run.from, run.to, type);
  return tr;
}

/** Deletes a bracket's text (every run of it), last run first so positions stay valid. */
export function deleteBracketText(tr: Transaction, id: string): Transaction {
  for (const run of bracketRuns(tr.doc)
    .filter((r) => r.id === id)
    .reverse()) {
    tr.delete(run.from, run.to);
  }
  return tr;
}

/** The bracket ids of an alternatives group, in order. */
export function groupMembers(doc: PMNode, group: string): string[] {
  const ids: string[] = [];
  for (const run of bracketRuns(doc)) {
    if (attrsOf(run.mark).group === group && !ids.includes(run.id)) ids.push(run.id);
  }
  return ids;
}

export function lastRunOf(doc: PMNode, id: string): BracketRun | undefined {
  return bracketRuns(doc)
    .filter((r) => r.id === id)
    .at(-1);
}

export function newId(prefix: string): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `${prefix}-${[...bytes].map((b) => b.toString(36).padStart(2, "0")).join("")}`;
}
