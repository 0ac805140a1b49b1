import type { BracketAttrs, EditorKind, IndexedClause } from "@gavel/model";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ActionContext } from "../actions.ts";
import type { ClauseEditorComponent } from "../editor/ClauseEditor.ts";
import { type ClauseKeys, type EditorSelection, NO_SELECTION } from "../editor/ClauseEditor.ts";
import { LexicalClauseEditor } from "../editor/lexical/LexicalClauseEditor.tsx";
import { TiptapClauseEditor } from "../editor/tiptap/TiptapClauseEditor.tsx";
import { canWrite, type Identity } from "../identity.ts";
import type { Person } from "../room/People.ts";
import type { SectionIndex } from "../room/SectionIndex.ts";
import type { RoomContext } from "./App.tsx";
import { ClauseList } from "./ClauseList.tsx";
import { ClauseRow } from "./ClauseRow.tsx";
import { ClauseToolbar } from "./ClauseToolbar.tsx";
import { useStore } from "./hooks.ts";
import type { RoomNotice } from "./Notices.tsx";
import { RedlineView } from "./RedlineView.tsx";
import { RoomBar } from "./RoomBar.tsx";
import { SectionTools } from "./SectionTools.tsx";
import { useClauseBindings } from "./useClauseBindings.ts";
import { useClauseFocus, usePerClause } from "./useClauseFocus.ts";
import type { Followed } from "./useFollowTakenUp.ts";
import { useReadOnlyNotice } from "./useReadOnlyNotice.ts";
import { useSectionActions } from "./useSectionActions.ts";

/** Delegation codes as this screen has seen them spelled (see `spelled` in actions.ts). */
function knownDelegations(people: readonly Person[], indexes: readonly SectionIndex[]): string[] {
  // Surest first: tokens (people here, confirmations), then bracket proposers, which a chair may
  // have typed in another case. A pending list is only as the chair typed it: not a source.
  const codes = new Set<string>();
  for (const person of people) if (person.delegation) codes.add(person.delegation);
  const clauses = indexes.flatMap((index) => index.getSnapshot().clauses);
  for (const clause of clauses)
    if (clause.consensus.state !== "open") for (const c of clause.consensus.confirmed) codes.add(c.delegation);
  for (const clause of clauses) for (const code of Object.keys(clause.figures.byDelegation)) codes.add(code);
  return [...codes];
}

/** A delegate's own new clause, not yet renumbered nor agreed: what they type stays bracketed (CM2). */
function proposalOf(identity: Identity, entry: IndexedClause): BracketAttrs | null {
  if (identity.role !== "delegate" || !identity.delegation) return null;
  if (entry.createdBy !== identity.sub || entry.number !== null || entry.consensus.state !== "open") return null;
  return { id: `b-${entry.id}`, by: [identity.delegation], reason: "substantive", group: null };
}

/** The editor of the session: each session's clause documents have its editor's layout, and only it. */
const EDITORS: Record<EditorKind, ClauseEditorComponent> = { tiptap: TiptapClauseEditor, lexical: LexicalClauseEditor };

/** The open section: its tools, the toolbar for the selected clause, one editor per clause. */
export function SectionView({
  ctx,
  index,
  notify,
  latest,
  followed,
}: {
  readonly ctx: RoomContext;
  readonly index: SectionIndex;
  readonly notify: (message: string) => void;
  readonly latest: RoomNotice | null;
  readonly followed: Followed | null;
}) {
  const snapshot = useStore(index);
  const people = useStore(ctx.people);
  const { clauses } = snapshot;
  const [selected, setSelected] = useState<string | null>(null);
  const [selection, setSelection] = useState<EditorSelection>(NO_SELECTION);
  const [redlineFrom, setRedlineFrom] = useState<string | null>(null);
  const toolbarRef = useRef<HTMLFieldSetElement>(null);
  const focusRef = useRef<ReturnType<typeof useClauseFocus> | null>(null);
  const bindingOf = useClauseBindings(
    ctx.room,
    ctx.identity.session,
    index.id,
    clauses,
    ctx.silent,
    notify,
    (id, label) => {
      if (focusRef.current?.lastFocused.current === id) notify(`Clause ${label}, where you were writing, was deleted.`);
      setSelected((old) => (old === id ? null : old));
    },
  );
  const focus = useClauseFocus(bindingOf);
  focusRef.current = focus;
  const { handles } = focus;
  const clause = clauses.find((c) => c.id === selected) ?? null;
  const takenUp = snapshot.takenUp?.clause ?? null;
  const editableOf = (entry: IndexedClause) => canWrite(ctx.identity) && !ctx.silent && entry.lock === null;

  useEffect(() => ctx.people.announce(index.id, selected), [ctx.people, index.id, selected]);
  useReadOnlyNotice(ctx.identity.role === "observer" && ctx.view !== "projector", notify);

  const propose = async (after: string | null) => {
    const text = ctx.identity.role === "delegate" ? "Proposed text" : "New clause";
    // What is typed from now on goes into the new clause, once it exists.
    focus.holdKeystrokes();
    const outcome = await ctx.run({ type: "insertClause", section: index.id, after, text });
    focus.expect(outcome.ok ? (outcome.clause?.id ?? null) : null);
    if (!outcome.ok) return { ok: false as const, message: outcome.message };
    return {
      ok: true as const,
      message: "Type the new clause over its placeholder.",
      ...(outcome.clause ? { clause: outcome.clause.id } : {}),
    };
  };

  const actionCtx: Omit<ActionContext, "fields"> = {
    identity: ctx.identity,
    section: index.id,
    clauses,
    clause,
    editor: clause ? (handles.current.get(clause.id) ?? null) : null,
    editable: clause ? editableOf(clause) : false,
    selection: clause?.id === selected ? selection : NO_SELECTION,
    takenUp,
    takenUpElsewhere: () =>
      ctx.indexes.filter((other) => other.id !== index.id && other.getSnapshot().takenUp).map((other) => other.id),
    run: ctx.run,
    propose,
    delegations: () => knownDelegations(people, ctx.indexes),
  };
  const { fields, setFields, status, perform, resetFor } = useSectionActions(actionCtx, notify);
  const fullCtx: ActionContext = { ...actionCtx, fields };

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const select = useCallback(
    (id: string) => {
      if (selectedRef.current === id) return;
      setSelection(handles.current.get(id)?.selection() ?? NO_SELECTION);
      setSelected(id);
    },
    [handles],
  );
  // The fields follow the selected clause, and its consensus when that changes on another screen.
  const clauseId = clause?.id ?? null;
  const consensusKey = clause ? JSON.stringify(clause.consensus) : "";
  const current = useRef(clause);
  current.current = clause;
  const shownFor = useRef<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: consensusKey is what asks for a reset
  useEffect(() => {
    if (clauseId === null) return;
    resetFor(current.current, shownFor.current !== clauseId);
    shownFor.current = clauseId;
  }, [clauseId, consensusKey, resetFor]);

  const order = useRef<readonly IndexedClause[]>(clauses);
  order.current = clauses;
  const focusNeighbour = (from: string, delta: number) => {
    const list = order.current.filter((c) => c.id === from || editableOf(c));
    const at = list.findIndex((c) => c.id === from);
    const target = list[at + delta];
    if (target) handles.current.get(target.id)?.focus(delta < 0 ? "end" : "start");
  };
  const toTools = () =>
    toolbarRef.current?.querySelector<HTMLElement>("button[aria-disabled='false'], input, select")?.focus();
  const keysOf = usePerClause<ClauseKeys>((id) => ({
    previous: () => focusNeighbour(id, -1),
    next: () => focusNeighbour(id, 1),
    tools: toTools,
  }));
  const onSelection = useCallback((id: string, next: EditorSelection) => {
    setSelected(id);
    setSelection(next);
  }, []);
  const onConfirm = useCallback(
    (entry: IndexedClause) =>
      void ctx
        .run({ type: "confirm", section: index.id, clause: entry.id })
        .then((o) => notify(o.ok ? `Clause ${entry.label}: confirmed for ${ctx.identity.delegation}.` : o.message)),
    [ctx, index.id, notify],
  );

  // The projector and "follow" keep the clause under discussion in view.
  useEffect(() => {
    if (!followed || followed.section !== index.id) return;
    document
      .querySelector(`article[data-clause="${CSS.escape(followed.clause)}"]`)
      ?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [followed, index.id]);

  const presentIn = useMemo(() => {
    const map = new Map<string, typeof people>();
    for (const person of people) {
      if (person.section !== index.id || !person.clause) continue;
      map.set(person.clause, [...(map.get(person.clause) ?? []), person]);
    }
    return map;
  }, [people, index.id]);
  const none = useMemo(() => [], []);

  return (
    <section className="section-view" aria-labelledby="section-title">
      <h2 id="section-title">{snapshot.title}</h2>
      {ctx.view === "projector" ? null : (
        <SectionTools ctx={ctx} section={index.id} redlineFrom={redlineFrom} setRedlineFrom={setRedlineFrom} />
      )}
      <RoomBar ctx={ctx} clauses={clauses} takenUp={takenUp} latest={latest} onConfirm={onConfirm}>
        {ctx.silent ? null : (
          <ClauseToolbar
            ctx={fullCtx}
            setFields={setFields}
            status={status}
            perform={perform}
            back={() => clause && handles.current.get(clause.id)?.focus("keep")}
            toolbarRef={toolbarRef}
          />
        )}
      </RoomBar>
      {redlineFrom ? <RedlineView ctx={ctx} section={index.id} from={redlineFrom} version={snapshot} /> : null}
      {snapshot.synced && clauses.length === 0 ? <p>This section has no clauses yet.</p> : null}
      <ClauseList
        items={clauses}
        label={`Clauses of ${snapshot.title}`}
        render={(entry) => (
          <ClauseRow
            ctx={ctx}
            section={index.id}
            entry={entry}
            binding={bindingOf(entry.id)}
            Editor={EDITORS[ctx.summary.editor ?? "tiptap"]}
            editorRef={focus.refOf(entry.id)}
            editable={editableOf(entry)}
            selected={entry.id === selected}
            underDiscussion={entry.id === takenUp}
            present={presentIn.get(entry.id) ?? none}
            proposal={proposalOf(ctx.identity, entry)}
            keys={keysOf(entry.id)}
            onSelect={select}
            onSelection={onSelection}
            onRefused={notify}
            onConfirm={onConfirm}
          />
        )}
      />
    </section>
  );
}
