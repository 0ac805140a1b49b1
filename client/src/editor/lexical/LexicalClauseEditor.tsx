import { LexicalCollaboration } from "@lexical/react/LexicalCollaborationContext";
import { CollaborationPlugin } from "@lexical/react/LexicalCollaborationPlugin";
import { LexicalComposer } from "@lexical/react/LexicalComposer";
import { useLexicalComposerContext } from "@lexical/react/LexicalComposerContext";
import { ContentEditable } from "@lexical/react/LexicalContentEditable";
import { LexicalErrorBoundary } from "@lexical/react/LexicalErrorBoundary";
import { RichTextPlugin } from "@lexical/react/LexicalRichTextPlugin";
import {
  $getRoot,
  $selectAll,
  BLUR_COMMAND,
  COMMAND_PRIORITY_LOW,
  FOCUS_COMMAND,
  type LexicalEditor,
  mergeRegister,
  PASTE_COMMAND,
  SELECTION_CHANGE_COMMAND,
} from "lexical";
import { useEffect, useImperativeHandle, useMemo, useRef } from "react";
import type { ClauseEditorHandle, ClauseEditorProps } from "../ClauseEditor.ts";
import { watchNativeSelection } from "../nativeSelection.ts";
import { bracketCommands, type RefusalBox, type TypingInto } from "./bracketCommands.ts";
import { $selectionOf } from "./brackets.ts";
import { registerClauseDecorations } from "./decorations.ts";
import { RefusedEdit, registerClauseGuards } from "./guards.ts";
import { registerClauseKeys } from "./keys.ts";
import { bridgeProvider } from "./providerBridge.ts";

/**
 * A clause in Lexical: @lexical/react's CollaborationPlugin on a replica of the clause's own
 * Y.Doc (root XmlText `root`, the @lexical/yjs layout the server reads), remote carets with the
 * names and colours the server stamped, the bracket signs, proposers and footnote numbers drawn
 * beside the text. Created once per clause copy, like the Tiptap editor.
 */
export function LexicalClauseEditor(props: ClauseEditorProps) {
  const latest = useRef(props);
  latest.current = props;
  const { copy, silent, identity } = props;
  const cursors = useRef<HTMLDivElement>(null);
  const refusals = useRef<RefusalBox>({ last: null });
  const editorRef = useRef<LexicalEditor | null>(null);
  const providerFactory = useMemo(
    () =>
      bridgeProvider(
        copy,
        silent,
        (person) => latest.current.colourOf(person),
        () => editorRef.current,
      ),
    [copy, silent],
  );
  const initialConfig = useMemo(
    () => ({
      namespace: `clause-${copy.provider.configuration.name}`,
      editable: latest.current.editable,
      // The text comes from the clause document, never from an initial state.
      editorState: null,
      theme: {
        paragraph: "clause-paragraph",
        text: { bold: "bold", italic: "italic" },
        collaboration: { cursor: "collaboration-carets__caret", cursorName: "collaboration-carets__label" },
      },
      onError: (error: Error) => {
        // A refused edit is not an error: Lexical has dropped it; the room says why.
        if (!(error instanceof RefusedEdit)) throw error;
        refusals.current.last = error.message;
        latest.current.onRefused(error.message);
      },
    }),
    // Built once per copy: the editor lives as long as the copy (editability follows in an effect).
    [copy],
  );
  return (
    <LexicalCollaboration>
      <LexicalComposer initialConfig={initialConfig}>
        <div className="clause-editor lexical-clause" ref={cursors}>
          <RichTextPlugin
            contentEditable={
              <ContentEditable
                className="lexical-text"
                aria-label={props.label}
                role="textbox"
                aria-multiline="true"
                spellCheck
              />
            }
            ErrorBoundary={LexicalErrorBoundary}
          />
          <CollaborationPlugin
            id={copy.provider.configuration.name}
            providerFactory={providerFactory}
            shouldBootstrap={false}
            username={identity.name}
            cursorColor={props.colourOf({ id: identity.sub, delegation: identity.delegation })}
            cursorsContainerRef={cursors}
          />
          <ClauseBehaviour latest={latest} editorRef={editorRef} refusals={refusals.current} />
        </div>
      </LexicalComposer>
    </LexicalCollaboration>
  );
}

/** Guards, widgets, keys, focus and selection reports, editability, and the room's handle. */
function ClauseBehaviour({
  latest,
  editorRef,
  refusals,
}: {
  readonly latest: { readonly current: ClauseEditorProps };
  readonly editorRef: { current: LexicalEditor | null };
  readonly refusals: RefusalBox;
}) {
  const [editor] = useLexicalComposerContext();
  editorRef.current = editor;
  const typing = useRef<TypingInto>({ id: null });
  const { editable, label } = latest.current;

  useEffect(
    () =>
      mergeRegister(
        registerClauseGuards(editor, {
          identity: latest.current.identity,
          proposal: () => latest.current.proposal,
          typing: typing.current,
        }),
        registerClauseDecorations(editor, () => latest.current.sourceTitle),
        registerClauseKeys(editor, () => latest.current.keys),
        // The caret keeper needs to know when the browser moved the caret before Lexical read it.
        editor.registerRootListener((root) => {
          if (root) watchNativeSelection(root);
        }),
        editor.registerCommand(
          FOCUS_COMMAND,
          () => {
            latest.current.onFocus();
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
        editor.registerCommand(BLUR_COMMAND, () => false, COMMAND_PRIORITY_LOW),
        editor.registerCommand(
          SELECTION_CHANGE_COMMAND,
          () => {
            // Inside the update that changed it: the pending selection, not the last committed one.
            latest.current.onSelection($selectionOf());
            return false;
          },
          COMMAND_PRIORITY_LOW,
        ),
        // Nothing reaches a read-only clause: no paste.
        editor.registerCommand(PASTE_COMMAND, () => !editor.isEditable(), COMMAND_PRIORITY_LOW),
        editor.registerUpdateListener(({ dirtyLeaves, dirtyElements }) => {
          const root = editor.getRootElement();
          const focused = root?.contains(document.activeElement) === true;
          if (focused && (dirtyLeaves.size > 0 || dirtyElements.size > 0)) {
            latest.current.onSelection(editor.getEditorState().read($selectionOf));
          }
        }),
      ),
    [editor, latest],
  );

  useEffect(() => {
    if (editor.isEditable() !== editable) editor.setEditable(editable);
    editor.getRootElement()?.setAttribute("aria-readonly", String(!editable));
  }, [editor, editable]);

  useEffect(() => {
    editor.getRootElement()?.setAttribute("aria-label", label);
  }, [editor, label]);

  useImperativeHandle(latest.current.ref, () => handleOf(editor, typing.current, refusals), [editor, refusals]);
  return null;
}

function handleOf(editor: LexicalEditor, typing: TypingInto, refusals: RefusalBox): ClauseEditorHandle {
  return {
    focus(where = "keep") {
      if (where === "keep") {
        editor.focus();
        return;
      }
      editor.update(() => (where === "start" ? $getRoot().selectStart() : $getRoot().selectEnd()), {
        discrete: true,
      });
      editor.focus();
    },
    selectAll() {
      editor.update(() => $selectAll(), { discrete: true });
      editor.focus();
    },
    selection: () => editor.getEditorState().read($selectionOf),
    ...bracketCommands(editor, typing, refusals),
  };
}
