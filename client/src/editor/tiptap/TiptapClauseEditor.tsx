import { CLAUSE_FRAGMENT } from "@gavel/model";
import type { Editor } from "@tiptap/core";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { EditorContent, useEditor } from "@tiptap/react";
import { useEffect, useImperativeHandle, useRef } from "react";
import type { ClauseEditorHandle, ClauseEditorProps } from "../ClauseEditor.ts";
import { bracketCommands } from "./bracketCommands.ts";
import { selectionOf } from "./brackets.ts";
import { clauseDecorations } from "./decorations.ts";
import { DomSelectionFirst } from "./domSelectionFirst.ts";
import { clauseGuards, type RefusalBox } from "./guards.ts";
import { clauseKeys } from "./keys.ts";
import { baseExtensions, withoutAnnotations } from "./marks.ts";
import { minimalFormattingFor } from "./minimalFormatting.ts";
import { YjsCaretWins } from "./yjsCaretWins.ts";

/** Who a caret belongs to, as the server stamped it into the awareness state (untrusted shape). */
function personOf(user: Record<string, unknown>): { id: string; delegation: string | null } {
  return {
    id: typeof user.id === "string" ? user.id : String(user.clientId ?? ""),
    delegation: typeof user.delegation === "string" ? user.delegation : null,
  };
}

function caret(colour: string, name: string): HTMLElement {
  const cursor = document.createElement("span");
  cursor.className = "collaboration-carets__caret";
  cursor.style.borderColor = colour;
  const label = document.createElement("span");
  label.className = "collaboration-carets__label";
  label.style.backgroundColor = colour;
  label.textContent = name;
  cursor.append(label);
  return cursor;
}

/** ProseMirror's own test: a drop copies when Ctrl (Alt on a Mac) is held. */
function copyModifierHeld(event: DragEvent): boolean {
  const mac = typeof navigator !== "undefined" && /Mac|iP(hone|[oa]d)/.test(navigator.platform);
  return mac ? event.altKey : event.ctrlKey;
}

/**
 * A clause in Tiptap: the Collaboration extension on the clause's own Y.Doc (root fragment
 * `default`, the y-prosemirror layout the server reads), remote carets with names, the bracket
 * signs and proposers drawn as decorations. Created once per clause copy; the room re-renders the
 * header around it, never this editor.
 */
const PASTED_PLAIN = "Pasted without its brackets and footnotes: bracket the text again to propose it.";

export function TiptapClauseEditor(props: ClauseEditorProps) {
  // Callbacks and changing values are read through a ref: the editor is built once.
  const latest = useRef(props);
  latest.current = props;
  const refusals = useRef<RefusalBox>({ last: null });
  const dropCopies = useRef(false);
  const { copy, identity, silent } = props;
  // Before the binding writes anything: its formatting passes touch only what changes.
  minimalFormattingFor(copy.doc);

  const editor = useEditor(
    {
      editable: props.editable,
      shouldRerenderOnTransaction: false,
      extensions: [
        ...baseExtensions,
        Collaboration.configure({ document: copy.doc, field: CLAUSE_FRAGMENT }),
        // A remote update starts from the caret the page shows.
        DomSelectionFirst.configure({ document: copy.doc }),
        // After it, the caret goes where Yjs puts it, unless blocks moved (yjsCaretWins.ts).
        YjsCaretWins,
        ...(silent
          ? []
          : [
              CollaborationCaret.configure({
                provider: copy.provider,
                user: {
                  name: identity.name,
                  color: props.colourOf({ id: identity.sub, delegation: identity.delegation }),
                },
                render: (user: Record<string, unknown>) => {
                  const name = typeof user.name === "string" ? user.name : "someone";
                  return caret(latest.current.colourOf(personOf(user)), name);
                },
                selectionRender: (user: Record<string, unknown>) => ({
                  style: `background-color: ${latest.current.colourOf(personOf(user))}33`,
                  class: "remote-selection",
                }),
              }),
            ]),
        clauseDecorations((id) => latest.current.sourceTitle(id)),
        clauseKeys(() => latest.current.keys),
        clauseGuards({
          identity,
          proposal: () => latest.current.proposal,
          onRefused: (message) => latest.current.onRefused(message),
          refusals: refusals.current,
        }),
      ],
      editorProps: {
        attributes: {
          "aria-label": props.label,
          role: "textbox",
          "aria-multiline": "true",
          spellcheck: "true",
        },
        // Nothing reaches a read-only clause: no paste, no drop.
        handlePaste: (view) => !view.editable,
        handleDrop: (view) => !view.editable,
        handleDOMEvents: {
          // Whether this drop copies is the modifier held as it lands (ProseMirror reads it there,
          // after transformPasted): a drag turned into a copy on the way is a copy.
          drop: (_view, event) => {
            dropCopies.current = copyModifierHeld(event);
            return false;
          },
        },
        // Text moved by dragging inside the clause keeps its marks (they travel whole); pasted,
        // copied by dragging, or dropped from elsewhere, it comes without brackets and footnotes
        // (marks.ts): a bracket's id and proposers are never in two places.
        transformPasted: (slice, view) => {
          const moved = view.dragging?.move === true && !dropCopies.current;
          dropCopies.current = false;
          if (moved) return slice;
          const plain = withoutAnnotations(slice);
          if (plain.stripped) latest.current.onRefused(PASTED_PLAIN);
          return plain.slice;
        },
      },
      onFocus: () => latest.current.onFocus(),
      onSelectionUpdate: ({ editor: e }) => latest.current.onSelection(selectionOf(e.state)),
      onTransaction: ({ editor: e, transaction }) => {
        if (transaction.docChanged && e.isFocused) latest.current.onSelection(selectionOf(e.state));
      },
    },
    [],
  );

  useEffect(() => {
    if (editor.isEditable !== props.editable) editor.setEditable(props.editable, false);
    editor.view.dom.setAttribute("aria-readonly", String(!props.editable));
  }, [editor, props.editable]);

  useEffect(() => {
    editor.view.dom.setAttribute("aria-label", props.label);
  }, [editor, props.label]);

  useImperativeHandle(props.ref, () => handleOf(editor, refusals.current), [editor]);

  return <EditorContent editor={editor} className="clause-editor" />;
}

function handleOf(editor: Editor, refusals: RefusalBox): ClauseEditorHandle {
  const commands = bracketCommands(editor, refusals);
  return {
    focus(where = "keep") {
      if (editor.isDestroyed) return;
      // Where the caret was: ProseMirror's own focus, at once (Tiptap's command waits a frame, and
      // a key pressed meanwhile would go where the focus was).
      if (where === "keep") editor.view.focus();
      else editor.commands.focus(where);
    },
    selectAll() {
      editor.chain().focus().selectAll().run();
    },
    selection: () => selectionOf(editor.state),
    ...commands,
  };
}
