import { BRACKET_REASONS, type BracketReason, CONSENSUS_STATES, type ConsensusState } from "@gavel/model";
import { type Ref, useState } from "react";
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

export type GroupStatus = Partial<Record<ActionGroup, ActionResult & { readonly id: number }>>;

export interface ToolbarProps {
  readonly ctx: ActionContext;
  readonly setFields: (change: Partial<ToolFields>) => void;
  readonly status: GroupStatus;
  readonly perform: (action: Action) => void;
  readonly toolbarRef: Ref<HTMLDivElement>;
}

/**
 * One compact toolbar for the selected clause: brackets for everyone who writes, structure for
 * the chair and the secretariat, state and locks for the chair. Each group shows its last
 * result beside its controls, never on top of them.
 */
export function ClauseToolbar({ ctx, setFields, status, perform, toolbarRef }: ToolbarProps) {
  const { identity, fields } = ctx;
  const target = ctx.clause ? `Clause ${ctx.clause.label}` : "No clause selected";
  return (
    <div className="toolbar" role="toolbar" aria-label={`Tools for ${target}`} ref={toolbarRef}>
      <p className="toolbar-target" aria-live="polite">
        {ctx.clause ? `Clause ${ctx.clause.label}` : "Click a clause to act on it"}
      </p>
      <Group ctx={ctx} group="bracket" label="Brackets" status={status.bracket} perform={perform}>
        {canRestructure(identity) ? (
          <label>
            For{" "}
            <input
              name="by"
              value={fields.bracketBy}
              size={9}
              placeholder="AFR, CEPT"
              onChange={(e) => setFields({ bracketBy: e.target.value })}
            />
          </label>
        ) : null}
        <label>
          Reason{" "}
          <select
            name="reason"
            value={fields.bracketReason}
            onChange={(e) => setFields({ bracketReason: e.target.value as BracketReason })}
          >
            {BRACKET_REASONS.map((reason) => (
              <option key={reason} value={reason}>
                {reason.replace(/_/g, " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Note{" "}
          <input
            name="note"
            value={fields.bracketNote}
            size={12}
            maxLength={200}
            placeholder="optional"
            onChange={(e) => setFields({ bracketNote: e.target.value })}
          />
        </label>
      </Group>
      <Group ctx={ctx} group="clause" label="Clause" status={status.clause} perform={perform} />
      <Group ctx={ctx} group="chair" label="Chair" status={status.chair} perform={perform}>
        <label>
          State{" "}
          <select
            data-field="state"
            value={fields.state}
            onChange={(e) => setFields({ state: e.target.value as ConsensusState })}
          >
            {CONSENSUS_STATES.map((state) => (
              <option key={state} value={state}>
                {STATE_NAMES[state]}
              </option>
            ))}
          </select>
        </label>
        {fields.state === "agreed_ad_ref" ? (
          <label>
            To confirm{" "}
            <input
              data-field="pending"
              value={fields.pending}
              size={10}
              placeholder="ARB, RCC"
              onChange={(e) => setFields({ pending: e.target.value })}
            />
          </label>
        ) : null}
        <label>
          Lock reason{" "}
          <input
            data-field="reason"
            value={fields.lockReason}
            size={12}
            maxLength={500}
            placeholder="agreed in plenary"
            onChange={(e) => setFields({ lockReason: e.target.value })}
          />
        </label>
      </Group>
    </div>
  );
}

function Group({
  ctx,
  group,
  label,
  status,
  perform,
  children,
}: {
  readonly ctx: ActionContext;
  readonly group: ActionGroup;
  readonly label: string;
  readonly status: (ActionResult & { readonly id: number }) | undefined;
  readonly perform: (action: Action) => void;
  readonly children?: React.ReactNode;
}) {
  const actions = actionsFor(ctx.identity, group);
  const [asking, setAsking] = useState<Action | null>(null);
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
            aria-keyshortcuts={action.shortcut?.label.replace(/\+/g, "+")}
            onMouseDown={(e) => e.preventDefault() /* keep the clause's selection and focus */}
            onClick={() => {
              // An unavailable action still answers, with why, next to its group.
              if (why === null && action.confirm) setAsking(action);
              else perform(action);
            }}
          >
            {action.label(ctx)}
          </button>
        );
      })}
      <output id={statusId} className="group-status" data-ok={status ? String(status.ok) : undefined}>
        {asking ? (
          <>
            {asking.confirm?.(ctx)}{" "}
            <button
              type="button"
              data-action={`${asking.id}-confirm`}
              onClick={() => {
                setAsking(null);
                perform(asking);
              }}
            >
              Yes, {asking.label(ctx).toLowerCase()}
            </button>{" "}
            <button type="button" onClick={() => setAsking(null)}>
              Keep it
            </button>
          </>
        ) : (
          (status?.message ?? "")
        )}
      </output>
    </fieldset>
  );
}
