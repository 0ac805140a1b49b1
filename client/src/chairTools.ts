import type { Command, IndexedClause } from "@gavel/model";
import type { Api } from "./api.ts";
import { button, el } from "./dom.ts";
import type { Identity } from "./identity.ts";

export interface ClauseCommands {
  run(command: Command): Promise<void>;
}

/** The chair's console for one clause: state, lock and unlock with a reason, structure. */
export function chairTools(
  identity: Identity,
  clause: () => IndexedClause,
  section: string,
  commands: ClauseCommands,
  ids: () => string[],
): HTMLElement {
  const isChair = identity.role === "chair";
  const state = el(
    "select",
    { "data-action": "state", "aria-label": "Consensus state" },
    ...["open", "agreed_ad_ref", "agreed"].map((s) => el("option", { value: s }, s.replace(/_/g, " "))),
  );
  const pending = el("input", {
    "data-field": "pending",
    "aria-label": "Delegations to confirm (comma-separated)",
    placeholder: "pending: ARB, RCC",
    size: "12",
  });
  const reason = el("input", {
    "data-field": "reason",
    "aria-label": "Reason for the lock or unlock",
    placeholder: "reason",
    size: "14",
  });
  const id = () => clause().id;
  const move = (delta: number) => {
    const order = ids();
    const at = order.indexOf(id());
    const target = at + delta;
    if (target < 0 || target >= order.length) return Promise.resolve();
    const without = order.filter((c) => c !== id());
    const after = target === 0 ? null : (without[target - 1] ?? null);
    return commands.run({ type: "moveClause", section, clause: id(), after });
  };
  const parts: HTMLElement[] = [];
  if (isChair) {
    parts.push(
      state,
      pending,
      button("Set state", "set-state", () => {
        const chosen = state.value as "open" | "agreed_ad_ref" | "agreed";
        const list = pending.value
          .split(",")
          .map((d) => d.trim())
          .filter(Boolean);
        void commands.run({
          type: "setConsensus",
          section,
          clause: id(),
          state: chosen,
          pending: chosen === "agreed_ad_ref" ? list : undefined,
        });
      }),
      reason,
      button(
        "Lock",
        "lock",
        () => void commands.run({ type: "lock", section, clause: id(), reason: reason.value || undefined }),
      ),
      button(
        "Unlock",
        "unlock",
        () => void commands.run({ type: "unlock", section, clause: id(), reason: reason.value }),
      ),
    );
  }
  parts.push(
    button(
      "Insert after",
      "insert",
      () => void commands.run({ type: "insertClause", section, after: id(), text: "New clause" }),
    ),
    button("Move up", "move-up", () => void move(-1)),
    button("Move down", "move-down", () => void move(1)),
    button("Delete", "delete", () => {
      if (confirm(`Delete clause ${clause().label}?`))
        void commands.run({ type: "deleteClause", section, clause: id() });
    }),
  );
  const sync = () => {
    state.value = clause().consensus.state;
  };
  sync();
  const box = el("div", { class: "chair-tools", role: "group", "aria-label": "Chair console" }, ...parts);
  box.addEventListener("focusin", sync);
  return box;
}

/** Sends a command over HTTP; refusals become a notice with the server's code. */
export function httpCommands(api: Api, session: string, notify: (message: string) => void): ClauseCommands {
  return {
    async run(command) {
      try {
        const [method, path, body] = route(session, command);
        await api.call(method, path, body);
      } catch (error) {
        notify(`Refused: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}

function route(session: string, command: Command): ["POST" | "DELETE", string, unknown] {
  const base = `/api/sessions/${session}/sections/${command.section}`;
  switch (command.type) {
    case "insertClause":
      return ["POST", `${base}/clauses`, { after: command.after, text: command.text }];
    case "moveClause":
      return ["POST", `${base}/clauses/${command.clause}/move`, { after: command.after }];
    case "deleteClause":
      return ["DELETE", `${base}/clauses/${command.clause}`, undefined];
    case "setConsensus":
      return [
        "POST",
        `${base}/clauses/${command.clause}/consensus`,
        { state: command.state, pending: command.pending },
      ];
    case "confirm":
      return ["POST", `${base}/clauses/${command.clause}/confirm`, {}];
    case "lock":
      return ["POST", `${base}/clauses/${command.clause}/lock`, { reason: command.reason }];
    case "unlock":
      return ["POST", `${base}/clauses/${command.clause}/unlock`, { reason: command.reason }];
    case "renumber":
      return ["POST", `${base}/renumber`, {}];
  }
}
