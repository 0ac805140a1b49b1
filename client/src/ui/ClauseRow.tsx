import type { BracketAttrs, IndexedClause } from "@gavel/model";
import { memo, type Ref, useCallback, useRef } from "react";
import { STATE_NAMES } from "../actions.ts";
import { refusalMessage } from "../commands.ts";
import type { ClauseEditorComponent, ClauseEditorHandle, ClauseKeys, EditorSelection } from "../editor/ClauseEditor.ts";
import { canWrite, displayName, type Identity } from "../identity.ts";
import type { ClauseBinding } from "../room/ClauseBinding.ts";
import { colourKey } from "../room/colours.ts";
import type { Person } from "../room/People.ts";
import type { RoomContext } from "./App.tsx";
import { ClauseHistory } from "./ClauseHistory.tsx";
import { useStore } from "./hooks.ts";
import { writes } from "./useReadOnlyNotice.ts";

export interface ClauseRowProps {
  readonly ctx: RoomContext;
  readonly section: string;
  readonly entry: IndexedClause;
  readonly binding: ClauseBinding;
  readonly Editor: ClauseEditorComponent;
  readonly editorRef: Ref<ClauseEditorHandle>;
  readonly editable: boolean;
  readonly selected: boolean;
  readonly underDiscussion: boolean;
  readonly present: readonly Person[];
  readonly proposal: BracketAttrs | null;
  readonly keys: ClauseKeys;
  readonly onSelect: (clause: string) => void;
  readonly onSelection: (clause: string, selection: EditorSelection) => void;
  readonly onRefused: (message: string) => void;
  readonly onConfirm: (clause: IndexedClause) => void;
}

/** One clause: its header (number, state, lock, figures, who is here) around its editor. */
export const ClauseRow = memo(function ClauseRow(props: ClauseRowProps) {
  const { ctx, entry, binding, Editor, selected } = props;
  const copy = useStore(binding);
  const { lock } = entry;
  // The row's own hold on its editor, besides the room's (props.editorRef).
  const handle = useRef<ClauseEditorHandle | null>(null);
  const { editorRef } = props;
  const editorRefs = useCallback(
    (value: ClauseEditorHandle | null) => {
      handle.current = value;
      if (typeof editorRef === "function") editorRef(value);
      else if (editorRef) editorRef.current = value;
    },
    [editorRef],
  );
  return (
    <article
      className={`clause${entry.lock ? " locked" : ""}${selected ? " selected" : ""}${props.underDiscussion ? " under-discussion" : ""}`}
      data-clause={entry.id}
      aria-label={`Clause ${entry.label}, ${STATE_NAMES[entry.consensus.state]}${entry.lock ? ", locked" : ""}`}
      onMouseDown={(event) => {
        props.onSelect(entry.id);
        // A click into a read-only editor: ProseMirror takes the focus from wherever it was and
        // keeps the browser from giving it to the clause (it prevents the mousedown), so it fell
        // to the page and keys typed next went nowhere, even once the clause was unlocked. The
        // clause takes it: those keys are answered (locked), or go into the editor again.
        const article = event.currentTarget;
        const target = event.target;
        if (props.editable || !(target instanceof Element) || target.closest('[role="textbox"]') === null) return;
        if (!article.contains(document.activeElement)) article.focus({ preventScroll: true });
      }}
      // Focusable, so that a click into a read-only clause, or a focus that falls out of an
      // editor locked under the cursor, lands here rather than on the page.
      tabIndex={-1}
      onKeyDown={(event) => {
        // A key typed while the focus is on the clause itself (it fell there when the clause was
        // locked under the cursor) in a clause writable again: the editor takes the focus back,
        // where its caret was, and the key goes in there. The browser types this key where the
        // focus was when it was pressed, so a character is typed into the editor by hand when it
        // took the focus at once (Tiptap; Lexical takes it a moment later, in time for the key).
        if (!entry.lock && props.editable && event.target === event.currentTarget && writes(event.nativeEvent)) {
          handle.current?.focus("keep");
          const focused = document.activeElement;
          if (event.key.length === 1 && focused instanceof HTMLElement && focused.isContentEditable) {
            event.preventDefault();
            document.execCommand("insertText", false, event.key);
          }
          return;
        }
        // Keys typed into a clause locked under a writer's cursor: they would scroll the page
        // (a space) or do nothing; they are swallowed and the lock is said once. The key may come
        // from the article itself or from the editor's element, now not editable but still
        // focused; a button, a field or a link in the clause keeps its keys.
        if (!entry.lock || ctx.silent || !canWrite(ctx.identity) || !writes(event.nativeEvent)) return;
        const target = event.target;
        if (!(target instanceof HTMLElement) || target.isContentEditable) return;
        if (target !== event.currentTarget && target.closest(INTERACTIVE) !== null) return;
        event.preventDefault();
        props.onRefused(refusalMessage("LOCKED"));
      }}
    >
      <header className="clause-header">
        <button
          type="button"
          className="number"
          aria-pressed={selected}
          aria-label={`Clause ${entry.label}: select`}
          onClick={() => props.onSelect(entry.id)}
          disabled={ctx.silent}
        >
          {entry.label}
        </button>
        {entry.formerNumbers.length > 0 ? (
          <span className="former">formerly {entry.formerNumbers.join(", ")}</span>
        ) : null}
        <StateBadge entry={entry} />
        {lock ? (
          <span className="lock-mark">
            Locked by {lock.name}
            <span className="when">, {when(lock.at)}</span>
            {lock.reason ? ` — ${lock.reason}` : ""}
          </span>
        ) : null}
        <span className="clause-figures" data-open-brackets={String(entry.figures.openBrackets)}>
          {entry.figures.openBrackets === 0
            ? "no brackets"
            : `${entry.figures.openBrackets} open bracket${entry.figures.openBrackets === 1 ? "" : "s"}`}
        </span>
        {props.underDiscussion ? <span className="taken-up">Under discussion</span> : null}
        <span className="present">
          {props.present.map((person) => (
            <span key={person.id} className="person" style={{ borderColor: ctx.colours.of(colourKey(person)) }}>
              {displayName(person)}
            </span>
          ))}
        </span>
        <ConfirmButton entry={entry} identity={ctx.identity} silent={ctx.silent} onConfirm={props.onConfirm} />
        {ctx.view === "projector" ? null : <ClauseHistory ctx={ctx} section={props.section} clause={entry} />}
      </header>
      <Editor
        key={copy.generation}
        ref={editorRefs}
        copy={copy}
        label={`Clause ${entry.label}`}
        editable={props.editable}
        identity={ctx.identity}
        silent={ctx.silent}
        proposal={props.proposal}
        colourOf={(person) => ctx.colours.of(colourKey(person))}
        sourceTitle={ctx.sourceTitle}
        keys={props.keys}
        onFocus={() => props.onSelect(entry.id)}
        onSelection={(selection) => props.onSelection(entry.id, selection)}
        onRefused={props.onRefused}
      />
    </article>
  );
}, sameRow);

/** Index entries are new objects on every index change: compare them by value. */
function sameRow(a: ClauseRowProps, b: ClauseRowProps): boolean {
  for (const key of Object.keys(a) as (keyof ClauseRowProps)[]) {
    if (key === "entry" || key === "proposal") continue;
    if (a[key] !== b[key]) return false;
  }
  return (
    JSON.stringify(a.entry) === JSON.stringify(b.entry) && JSON.stringify(a.proposal) === JSON.stringify(b.proposal)
  );
}

/** What keeps its own keys inside a locked clause (a space presses a button). */
const INTERACTIVE = "button, input, textarea, select, summary, a[href]";

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
const when = (iso: string) => TIME.format(new Date(iso));

function StateBadge({ entry }: { readonly entry: IndexedClause }) {
  const { consensus } = entry;
  const confirmed =
    consensus.state === "open" || consensus.confirmed.length === 0
      ? ""
      : ` · confirmed by ${consensus.confirmed.map((c) => `${c.delegation} (${c.name})`).join(", ")}`;
  const pending = consensus.state === "agreed_ad_ref" ? ` · pending ${consensus.pending.join(", ")}` : "";
  return (
    <span className="state-badge" data-state={consensus.state}>
      {STATE_NAMES[consensus.state]}
      {pending}
      {confirmed}
    </span>
  );
}

function ConfirmButton({
  entry,
  identity,
  silent,
  onConfirm,
}: {
  readonly entry: IndexedClause;
  readonly identity: Identity;
  readonly silent: boolean;
  readonly onConfirm: (clause: IndexedClause) => void;
}) {
  const { consensus } = entry;
  const delegation = identity.delegation;
  if (silent || !delegation || consensus.state !== "agreed_ad_ref" || !consensus.pending.includes(delegation))
    return null;
  return (
    <button type="button" data-action="confirm" onClick={() => onConfirm(entry)}>
      Confirm for {delegation}
    </button>
  );
}
