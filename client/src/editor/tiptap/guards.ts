import { type BracketAttrs, decideBracketEdit } from "@gavel/model";
import { Extension } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { type EditorState, Plugin, PluginKey, type Transaction } from "@tiptap/pm/state";
import { ReplaceStep } from "@tiptap/pm/transform";
import { ySyncPluginKey } from "@tiptap/y-tiptap";
import type { Identity } from "../../identity.ts";
import { bracketMarkOf, bracketSummaries } from "./brackets.ts";

/** A change made on this page (not a remote update, nor an undo replayed from Yjs). */
function isLocal(tr: Transaction): boolean {
  const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
  return !meta?.isChangeOrigin;
}

/** The single bracket id covering every character of [from, to), if there is one. */
function coveringBracket(doc: PMNode, from: number, to: number): ReturnType<typeof bracketMarkOf> {
  let found: ReturnType<typeof bracketMarkOf>;
  let mixed = false;
  doc.nodesBetween(from, to, (node) => {
    if (!node.isText || mixed) return;
    const mark = bracketMarkOf(node);
    if (!mark || (found && found.attrs.id !== mark.attrs.id)) mixed = true;
    else found = mark;
  });
  return mixed ? undefined : found;
}

export const bracketTypingKey = new PluginKey<string | null>("bracketTyping");

/** Whether the cursor stands in or at an edge of bracket `id`. */
function besideBracket(state: EditorState, id: string): boolean {
  const { $head } = state.selection;
  return [$head.nodeBefore, $head.nodeAfter].some((node) => node && bracketMarkOf(node)?.attrs.id === id);
}

/** Where the text a step inserted ends up in the final state. */
function insertedRange(transactions: readonly Transaction[], k: number, i: number, from: number, size: number) {
  let start = from;
  let end = from + size;
  const t = transactions[k];
  for (const later of t ? t.steps.slice(i + 1) : []) {
    start = later.getMap().map(start, 1);
    end = later.getMap().map(end, -1);
  }
  for (const next of transactions.slice(k + 1)) {
    start = next.mapping.map(start, 1);
    end = next.mapping.map(end, -1);
  }
  return { start, end };
}

/**
 * Typing into a bracket keeps the text in it. ProseMirror drops a non-inclusive mark at its end,
 * so typing over a selected alternative's placeholder, or over a whole bracket, would unbracket
 * all but the first character. The plugin remembers the bracket being typed into (the state is
 * its id): text replacing a bracket's content, and text typed right after it while the cursor
 * stays there, joins it. Moving the cursor elsewhere ends it.
 */
function bracketTyping(): Plugin<string | null> {
  return new Plugin<string | null>({
    key: bracketTypingKey,
    state: {
      init: () => null,
      apply(tr, value, _old, state) {
        const meta = tr.getMeta(bracketTypingKey) as string | null | undefined;
        if (meta !== undefined) return meta;
        if (value === null || tr.docChanged) return value;
        return besideBracket(state, value) ? value : null;
      },
    },
    appendTransaction(transactions, old, state) {
      let tr: Transaction | null = null;
      let typingInto = bracketTypingKey.getState(old) ?? null;
      transactions.forEach((t, k) => {
        if (!t.docChanged || !isLocal(t)) return;
        t.steps.forEach((step, i) => {
          if (!(step instanceof ReplaceStep) || step.slice.size === 0) return;
          const before = t.docs[i] ?? t.before;
          const replaced = step.from < step.to ? coveringBracket(before, step.from, step.to) : undefined;
          const previous = before.resolve(step.from).nodeBefore;
          const mark =
            replaced ??
            (typingInto !== null && previous && bracketMarkOf(previous)?.attrs.id === typingInto
              ? bracketMarkOf(previous)
              : undefined);
          if (!mark) return;
          typingInto = String(mark.attrs.id);
          const { start, end } = insertedRange(transactions, k, i, step.from, step.slice.size);
          if (end > start) tr = (tr ?? state.tr).addMark(start, end, mark);
        });
      });
      const next: Transaction | null = tr;
      if (next !== null) (next as Transaction).setMeta(bracketTypingKey, typingInto);
      return next;
    },
  });
}

/** A delegate's proposal (SPEC CM2): whatever is typed into it stays inside its bracket. */
function keepProposalBracketed(proposal: () => BracketAttrs | null): Plugin {
  return new Plugin({
    key: new PluginKey("keepProposalBracketed"),
    appendTransaction(transactions, _old, state) {
      const attrs = proposal();
      const type = state.schema.marks.bracket;
      if (!attrs || !type || !transactions.some((t) => t.docChanged && isLocal(t))) return null;
      const mark = type.create({ ...attrs, by: [...attrs.by], group: attrs.group ?? null });
      let tr: Transaction | null = null;
      state.doc.descendants((node, pos) => {
        if (node.isText && !bracketMarkOf(node)) tr = (tr ?? state.tr).addMark(pos, pos + node.nodeSize, mark);
      });
      return tr;
    },
  });
}

/**
 * A delegate's edit to another delegation's bracket is refused here before it is sent (the
 * server enforces the same rules, SPEC BO, and would refuse and reset the clause).
 */
/** The guard's last refusal, for the command that caused it to report next to its button. */
export interface RefusalBox {
  last: string | null;
}

function guardForeignBrackets(identity: Identity, onRefused: (message: string) => void, box: RefusalBox): Plugin {
  return new Plugin({
    key: new PluginKey("guardForeignBrackets"),
    filterTransaction(tr) {
      if (identity.role !== "delegate" || !tr.docChanged || !isLocal(tr)) return true;
      const decision = decideBracketEdit(
        identity,
        [...bracketSummaries(tr.before).values()],
        [...bracketSummaries(tr.doc).values()],
      );
      if (decision.ok) return true;
      box.last = `Not sent: ${decision.error.message.replace(/^[A-Z]{2}\d+: /, "")}.`;
      onRefused(box.last);
      return false;
    },
  });
}

export function clauseGuards(options: {
  readonly identity: Identity;
  readonly proposal: () => BracketAttrs | null;
  readonly onRefused: (message: string) => void;
  readonly refusals: RefusalBox;
}) {
  return Extension.create({
    name: "clauseGuards",
    addProseMirrorPlugins() {
      return [
        bracketTyping(),
        keepProposalBracketed(options.proposal),
        guardForeignBrackets(options.identity, options.onRefused, options.refusals),
      ];
    },
  });
}
