import type { IndexedClause } from "@gavel/model";
import { useCallback, useEffect, useRef, useState } from "react";
import {
  type Action,
  type ActionContext,
  type ActionGroup,
  type ActionResult,
  actionForKey,
  type ToolFields,
} from "../actions.ts";
import type { GroupStatus } from "./ClauseToolbar.tsx";

/** How long a result stays next to its group. */
const STATUS_MS = 8000;

function initialFields(delegation: string | null): ToolFields {
  return {
    bracketBy: delegation ?? "",
    bracketReason: "substantive",
    bracketNote: "",
    state: "open",
    pending: "",
    lockReason: "",
  };
}

/**
 * The toolbar's fields and results, and the keyboard: every action runs through `perform`,
 * whether it was clicked or pressed, and its result lands next to its group.
 */
export function useSectionActions(ctx: Omit<ActionContext, "fields">, notify: (message: string) => void) {
  const [fields, setFieldState] = useState<ToolFields>(() => initialFields(ctx.identity.delegation));
  const [status, setStatus] = useState<GroupStatus>({});
  const counter = useRef(0);
  const latest = useRef<ActionContext>({ ...ctx, fields });
  latest.current = { ...ctx, fields };

  const setFields = useCallback((change: Partial<ToolFields>) => setFieldState((old) => ({ ...old, ...change })), []);

  /**
   * The state fields show what the clause has now: when another clause is selected, and when its
   * consensus changes (a confirmation, another chair's screen), so a click never sends a stale state.
   */
  const resetFor = useCallback((clause: IndexedClause | null, newClause: boolean) => {
    if (!clause) return;
    const { consensus } = clause;
    setFieldState((old) => ({
      ...old,
      state: consensus.state,
      pending: consensus.state === "agreed_ad_ref" ? consensus.pending.join(", ") : "",
      ...(newClause ? { bracketNote: "", lockReason: "" } : {}),
    }));
  }, []);

  const timers = useRef(new Map<ActionGroup, ReturnType<typeof setTimeout>>());
  const show = useCallback((group: ActionGroup, result: ActionResult, about: string | null) => {
    counter.current += 1;
    const id = counter.current;
    setStatus((old) => ({
      ...old,
      [group]: { ...result, id, about: result.clause === undefined ? about : result.clause },
    }));
    // A result stays long enough to be read, then gives its line back to the toolbar.
    const timer = timers.current.get(group);
    if (timer) clearTimeout(timer);
    timers.current.set(
      group,
      setTimeout(() => setStatus((old) => (old[group]?.id === id ? { ...old, [group]: undefined } : old)), STATUS_MS),
    );
  }, []);

  const perform = useCallback(
    (action: Action, clause?: string) => {
      const base = latest.current;
      const run = clause === undefined ? base : { ...base, clause: base.clauses.find((c) => c.id === clause) ?? null };
      const why = action.unavailable(run);
      if (why !== null) {
        show(action.group, { ok: false, message: why }, run.clause?.id ?? null);
        return;
      }
      Promise.resolve(action.perform(run)).then(
        (result) => {
          show(action.group, result, run.clause?.id ?? null);
          if (result.ok && action.clears) {
            setFieldState((old) => ({ ...old, ...Object.fromEntries((action.clears ?? []).map((f) => [f, ""])) }));
          }
        },
        (error: unknown) => notify(`${action.label(run)} failed: ${String(error)}`),
      );
    },
    [notify, show],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = actionForKey(latest.current.identity, event);
      if (!action) return;
      event.preventDefault();
      perform(action);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [perform]);

  return { fields, setFields, status, perform, resetFor };
}
