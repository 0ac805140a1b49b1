import type { IndexedClause } from "@gavel/model";
import { useCallback, useEffect, useRef, useState } from "react";
import { type Action, type ActionContext, actionForKey, type ToolFields } from "../actions.ts";
import type { GroupStatus } from "./ClauseToolbar.tsx";

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

  /** A newly selected clause: the state and pending fields show what it has now. */
  const resetFor = useCallback((clause: IndexedClause | null) => {
    if (!clause) return;
    const { consensus } = clause;
    setFieldState((old) => ({
      ...old,
      state: consensus.state,
      pending: consensus.state === "agreed_ad_ref" ? consensus.pending.join(", ") : "",
      bracketNote: "",
    }));
  }, []);

  const perform = useCallback(
    (action: Action) => {
      const run = latest.current;
      const why = action.unavailable(run);
      counter.current += 1;
      const id = counter.current;
      if (why !== null) {
        setStatus((old) => ({ ...old, [action.group]: { ok: false, message: why, id } }));
        return;
      }
      Promise.resolve(action.perform(run)).then(
        (result) => setStatus((old) => ({ ...old, [action.group]: { ...result, id } })),
        (error: unknown) => notify(`${action.label(run)} failed: ${String(error)}`),
      );
    },
    [notify],
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
