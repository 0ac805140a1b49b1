import { Extension } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { attrsOf, bracketRuns } from "./brackets.ts";

function widget(text: string, className: string, hidden: boolean): HTMLElement {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  if (hidden) span.setAttribute("aria-hidden", "true");
  return span;
}

/*
 * Widget sides decide the order of what stands at one position: a footnote number (-3), the
 * closing `]` (-2) and the proposers (-1) belong to the text before; the cursor comes next; an
 * opening `[` (+1) belongs to the text after. So two adjacent alternatives read `[a]ᴬᶠᴿ[b]ᶜᴱᴾᵀ`,
 * never `[a[]b]`, and text typed between them lands outside both.
 */
const SIDE = { footnote: -3, close: -2, proposers: -1, open: 1 } as const;

/** Reasons that say more than "not agreed" are written out: a colour alone would not tell them. */
const SPOKEN_REASONS = new Set(["awaiting_instructions", "placeholder", "editorial"]);

/** What stands after a bracket: its proposers, a reason worth saying, and the start of its note. */
function proposersText(by: readonly string[], reason: string, note: string | null): string {
  const parts = [by.join(", ")];
  if (SPOKEN_REASONS.has(reason)) parts.push(reason.replace(/_/g, " "));
  if (note) parts.push(`“${note.length > 30 ? `${note.slice(0, 29)}…` : note}”`);
  return parts.join(" · ");
}

function bracketDecorations(doc: PMNode): Decoration[] {
  const decorations: Decoration[] = [];
  const runs = bracketRuns(doc);
  const lastOf = new Map(runs.map((run) => [run.id, run]));
  for (const run of runs) {
    const { reason, by, note } = attrsOf(run.mark);
    const cls = `bracket-sign reason-${reason}`;
    const key = `${run.id}@${run.from}`;
    decorations.push(
      Decoration.widget(run.from, () => widget("[", cls, true), { side: SIDE.open, key: `o${key}` }),
      Decoration.widget(run.to, () => widget("]", cls, true), { side: SIDE.close, key: `c${key}` }),
    );
    if (lastOf.get(run.id) === run && by.length > 0) {
      const codes = proposersText(by, reason, note);
      decorations.push(
        Decoration.widget(
          run.to,
          () => {
            const sup = widget(codes, "proposers", false);
            sup.setAttribute("aria-label", `proposed by ${codes}`);
            return sup;
          },
          { side: SIDE.proposers, key: `p${key}:${codes}` },
        ),
      );
    }
  }
  return decorations;
}

function footnoteDecorations(doc: PMNode, sourceTitle: (id: string) => string): Decoration[] {
  const decorations: Decoration[] = [];
  let n = 0;
  doc.descendants((node, pos) => {
    const mark = node.marks.find((m) => m.type.name === "footnote");
    if (!node.isText || !mark) return;
    const next = doc.resolve(pos + node.nodeSize).nodeAfter;
    if (next?.marks.some((m) => m.type.name === "footnote" && m.attrs.id === mark.attrs.id)) return;
    n += 1;
    const title = sourceTitle(String(mark.attrs.source ?? ""));
    const number = String(n);
    decorations.push(
      Decoration.widget(
        pos + node.nodeSize,
        () => {
          const sup = widget(number, "footnote-ref", false);
          sup.title = title;
          sup.setAttribute("aria-label", `footnote ${number}: ${title}`);
          return sup;
        },
        { side: SIDE.footnote, key: `f${number}:${title}` },
      ),
    );
  });
  return decorations;
}

/** Draws the literal `[ ]`, the proposers after each bracket and the footnote numbers: never typed, never stored. */
export function clauseDecorations(sourceTitle: (id: string) => string) {
  return Extension.create({
    name: "clauseDecorations",
    addProseMirrorPlugins() {
      return [
        new Plugin({
          key: new PluginKey("clauseDecorations"),
          props: {
            decorations(state) {
              return DecorationSet.create(state.doc, [
                ...bracketDecorations(state.doc),
                ...footnoteDecorations(state.doc, sourceTitle),
              ]);
            },
          },
        }),
      ];
    },
  });
}
