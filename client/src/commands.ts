import type { ClauseEntry, RoomCommand } from "@gavel/model";
import { type Api, ApiError } from "./api.ts";

export type CommandOutcome =
  | { readonly ok: true; readonly clause: ClauseEntry | null }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type RunCommand = (command: RoomCommand) => Promise<CommandOutcome>;

/**
 * One message per refusal code (packages/model/SPEC.md, server/src/errors.ts): what a person in
 * the room reads next to the control that was refused. The server's own message follows it.
 */
const REFUSALS: Record<string, string> = {
  FORBIDDEN: "Your role may not do this.",
  LOCKED: "The clause is locked; the chair must unlock it first.",
  NOT_LOCKED: "The clause is not locked.",
  ALREADY_LOCKED: "The clause is already locked.",
  NOT_AGREED: "Give a reason to lock a clause that is not agreed.",
  OPEN_BRACKETS: "The clause still has open brackets.",
  REASON_REQUIRED: "Give a reason.",
  PENDING_REQUIRED: "Name the delegations that must confirm.",
  NOT_PENDING: "Your delegation has nothing to confirm here.",
  BAD_REQUEST: "The request was not accepted.",
  NOT_FOUND: "That clause or section no longer exists.",
  REVISION_EXISTS: "A revision with this label exists already.",
  UNKNOWN_REVISION: "There is no revision with this label.",
  BRACKETED: "A clean export needs a text without brackets.",
  BRACKET_OWNED: "That bracket belongs to another delegation: co-sponsor it or add an alternative.",
  READ_ONLY: "Observers follow read-only.",
  STORE_UNAVAILABLE: "The server cannot store anything right now; try again in a moment.",
  TOKEN_EXPIRED: "Your join link has expired: ask the secretariat for a new one.",
  NETWORK: "The server could not be reached.",
};

export function refusalMessage(code: string, message?: string): string {
  // The rule id ("CS3: ...") is for the audit and the API; people read the sentence.
  const detail = message?.replace(/^[A-Z]{2}\d+: /, "");
  const known = REFUSALS[code];
  if (!known) return detail ? `Refused (${code}): ${detail}` : `Refused (${code}).`;
  return detail && detail !== known ? `${known} (${detail})` : known;
}

/** Sends commands over HTTP with the join token; a refusal is a value, never a throw. */
export function httpCommands(api: Api, session: string): RunCommand {
  return async (command) => {
    try {
      const [method, path, body] = route(session, command);
      const result = await api.call<{ clause?: ClauseEntry | null }>(method, path, body);
      return { ok: true, clause: result.clause ?? null };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: "NETWORK", message: error instanceof Error ? error.message : String(error) };
    }
  };
}

function route(session: string, command: RoomCommand): ["POST" | "DELETE", string, unknown] {
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
        command.pending === undefined ? { state: command.state } : { state: command.state, pending: command.pending },
      ];
    case "confirm":
      return ["POST", `${base}/clauses/${command.clause}/confirm`, {}];
    case "lock":
      return ["POST", `${base}/clauses/${command.clause}/lock`, command.reason ? { reason: command.reason } : {}];
    case "unlock":
      return ["POST", `${base}/clauses/${command.clause}/unlock`, { reason: command.reason }];
    case "renumber":
      return ["POST", `${base}/renumber`, {}];
    case "takeUp":
      return ["POST", `${base}/take-up`, { clause: command.clause }];
  }
}
