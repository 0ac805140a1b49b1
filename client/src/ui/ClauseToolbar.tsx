import { BRACKET_REASONS, type BracketReason, CONSENSUS_STATES, type ConsensusState } from "@gavel/model";
import { type ReactNode, type Ref, useEffect, useState } from "react";
import {
  type Action,
  type ActionContext,
  type ActionGroup,
  type ActionResult,
  actionsFor,
  STATE_NAMES,
  type ToolFields,
} from "../actions.ts";
import { canRestructure } from "../identity.ts";

/** The last result of each group, with the clause it is about (null: none in particular). */
export type GroupStatus = Partial<
  Record<ActionGroup, ActionResult & { readonly id: number; readonly about: string | null }>
>;

export interface ToolbarProps {
  readonly ctx: ActionContext;
  readonly setFields: (change: Partial<ToolFields>) => void;
  readonly status: GroupStatus;
  /** Runs an action on the selected clause, or on `clause` when given (a question asked about it). */
  readonly perform: (action: Action, clause?: string) => void;
  /** Escape in the toolbar: back to the clause it acts on. */
  readonly back: () => void;
  readonly toolbarRef: Ref<HTMLFieldSetElement>;
}

/**
 * One compact toolbar for the selected clause: brackets for everyone who writes, structure for
 * the chair and the secretariat, state and locks for the chair. Each group shows its last
 * result beside its controls, never on top of them.
 */
export function ClauseToolbar({ ctx, setFields, status, perform, back, toolbarRef }: ToolbarProps) {
  const { identity, fields } = ctx;
  const target = ctx.clause ? `clause ${ctx.clause.label}` : "no clause selected";
  return (
    <fieldset
      className="toolbar"
      ref={toolbarRef}
      onKeyDown={(event) => {
        // Escape leaves the toolbar for the clause it acts on.
        if (event.key !== "Escape") return;
        event.preventDefault();
        back();
      }}
    >
      <legend className="visually-hidden">Tools for {target}</legend>
      <p className="toolbar-target">{ctx.clause ? `Clause ${ctx.clause.label}` : "Click a clause to act on it"}</p>
      <Group ctx={ctx} group="bracket" label="Brackets" status={status.bracket} perform={perform}>
        {canRestructure(identity) ? (
          <input
            name="by"
            aria-label="For the delegations"
            title="For the delegations (comma-separated)"
            value={fields.bracketBy}
            size={11}
            placeholder="for AFR, CEPT"
            onChange={(e) => setFields({ bracketBy: e.target.value })}
          />
        ) : null}
        <select
          name="reason"
          aria-label="Reason of the bracket"
          title="Reason of the bracket"
          value={fields.bracketReason}
          onChange={(e) => setFields({ bracketReason: e.target.value as BracketReason })}
        >
          {BRACKET_REASONS.map((reason) => (
            <option key={reason} value={reason}>
              {reason.replace(/_/g, " ")}
            </option>
          ))}
        </select>
        <input
          name="note"
          aria-label="Note (optional)"
          title="A short note kept with the bracket (optional)"
          value={fields.bracketNote}
          size={9}
          maxLength={200}
          placeholder="note"
          onChange={(e) => setFields({ bracketNote: e.target.value })}
        />
      </Group>
      <Group ctx={ctx} group="clause" label="Clause" status={status.clause} perform={perform} />
      <Group ctx={ctx} group="chair" label="Chair" status={status.chair} perform={perform}>
        <select
          data-field="state"
          aria-label="Consensus state"
          title="Consensus state"
          value={fields.state}
          onChange={(e) => setFields({ state: e.target.value as ConsensusState })}
        >
          {CONSENSUS_STATES.map((state) => (
            <option key={state} value={state}>
              {STATE_NAMES[state]}
            </option>
          ))}
        </select>
        {fields.state === "agreed_ad_ref" ? (
          <input
            data-field="pending"
            aria-label="Delegations to confirm"
            title="Delegations that must confirm (comma-separated)"
            value={fields.pending}
            size={8}
            placeholder="to confirm"
            onChange={(e) => setFields({ pending: e.target.value })}
          />
        ) : null}
        <input
          data-field="reason"
          aria-label="Reason to lock or unlock"
          title="Reason to lock (needed unless agreed) or to unlock (always needed)"
          value={fields.lockReason}
          size={10}
          maxLength={500}
          placeholder="reason"
          onChange={(e) => setFields({ lockReason: e.target.value })}
        />
      </Group>
    </fieldset>
  );
}

/** A question asked about one clause: the answer acts on that clause, whatever is selected later. */
interface Question {
  readonly action: Action;
  readonly clause: string;
  readonly text: string;
}

function Group({
  ctx,
  group,
  label,
  status: last,
  perform,
  children,
}: {
  readonly ctx: ActionContext;
  readonly group: ActionGroup;
  readonly label: string;
  readonly status: (ActionResult & { readonly id: number; readonly about: string | null }) | undefined;
  readonly perform: (action: Action, clause?: string) => void;
  readonly children?: ReactNode;
}) {
  const actions = actionsFor(ctx.identity, group);
  const [asking, setAsking] = useState<Question | null>(null);
  const selected = ctx.clause?.id ?? null;
  // A result about another clause ("Bracketed for CEPT." there) is not this clause's: it is
  // hidden, but keeps its line, so that selecting a clause never moves what is under the mouse
  // (a click on Confirm that selects its clause would land elsewhere).
  const status = last;
  const elsewhere = last !== undefined && last.about !== null && last.about !== selected;
  // Selecting another clause withdraws the question: it was about the clause selected before.
  useEffect(() => {
    setAsking((question) => (question && question.clause !== selected ? null : question));
  }, [selected]);
  if (actions.length === 0) return null;
  const statusId = `status-${group}`;
  return (
    <fieldset className={`tool-group group-${group}`}>
      <legend>{label}</legend>
      {children}
      {actions.map((action) => {
        const why = action.unavailable(ctx);
        return (
          <button
            key={action.id}
            type="button"
            data-action={action.id}
            aria-disabled={why !== null}
            aria-describedby={statusId}
            title={why ?? (action.shortcut ? `${action.label(ctx)} (${action.shortcut.label})` : undefined)}
            aria-keyshortcuts={action.shortcut?.label}
            onMouseDown={(e) => e.preventDefault() /* keep the clause's selection and focus */}
            onClick={() => {
              // An unavailable action still answers, with why, next to its group.
              if (why === null && action.confirm && selected !== null) {
                setAsking({ action, clause: selected, text: action.confirm(ctx) });
              } else perform(action);
            }}
          >
            {action.label(ctx)}
          </button>
        );
      })}
      <output
        id={statusId}
        className="group-status"
        data-ok={status ? String(status.ok) : undefined}
        data-elsewhere={elsewhere && !asking ? "true" : undefined}
        aria-hidden={elsewhere && !asking ? true : undefined}
      >
        {asking ? (
          <>
            {asking.text}{" "}
            <button
              type="button"
              data-action={`${asking.action.id}-confirm`}
              onClick={() => {
                setAsking(null);
                perform(asking.action, asking.clause);
              }}
            >
              Yes, {asking.action.label(ctx).toLowerCase()}
            </button>{" "}
            <button type="button" onClick={() => setAsking(null)}>
              Keep it
            </button>
          </>
        ) : elsewhere ? (
          // Hidden, and not read out either by the buttons it describes: its line is kept by a
          // no-break space (an empty output takes no line).
          "\u00a0"
        ) : (
          (status?.message ?? "")
        )}
      </output>
    </fieldset>
  );
}
