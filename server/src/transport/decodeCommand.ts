import { CONSENSUS_STATES, type ConsensusState, type RoomCommand } from "@gavel/model";
import { GavelError } from "../errors.ts";

/** A command sent as a stateless message: `{"type":"command","id":"...","command":{...}}`. */
export interface CommandRequest {
  readonly id: string | null;
  readonly command: RoomCommand;
}

type Json = Record<string, unknown>;

/**
 * Decodes a stateless payload into a command at the edge: every field checked, nothing else
 * kept. Refusals are GavelErrors with code BAD_REQUEST.
 */
export function decodeCommandRequest(payload: string): CommandRequest {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw bad("the stateless payload is not JSON");
  }
  if (!isObject(value) || value.type !== "command") throw bad('expected {"type":"command", "command": {...}}');
  const id = value.id === undefined ? null : str(value.id, "id", 64);
  if (!isObject(value.command)) throw bad("command must be an object");
  return { id, command: decodeCommand(value.command) };
}

/**
 * The request id of a payload whose command could not be decoded, so that its refusal still
 * reaches the request it answers; null when there is none to echo.
 */
export function requestIdOf(payload: string): string | null {
  try {
    const value: unknown = JSON.parse(payload);
    const id = isObject(value) ? value.id : undefined;
    return typeof id === "string" && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}

function decodeCommand(c: Json): RoomCommand {
  const section = str(c.section, "section", 48);
  switch (c.type) {
    case "insertClause":
      return {
        type: "insertClause",
        section,
        after: nullableStr(c.after, "after"),
        text: optionalStr(c.text, "text", 10_000),
      };
    case "moveClause":
      return { type: "moveClause", section, clause: str(c.clause, "clause", 48), after: nullableStr(c.after, "after") };
    case "deleteClause":
      return { type: "deleteClause", section, clause: str(c.clause, "clause", 48) };
    case "setConsensus":
      return {
        type: "setConsensus",
        section,
        clause: str(c.clause, "clause", 48),
        state: state(c.state),
        pending: pending(c.pending),
      };
    case "confirm":
      return { type: "confirm", section, clause: str(c.clause, "clause", 48) };
    case "lock":
      return {
        type: "lock",
        section,
        clause: str(c.clause, "clause", 48),
        reason: optionalStr(c.reason, "reason", 500),
      };
    case "unlock":
      return { type: "unlock", section, clause: str(c.clause, "clause", 48), reason: str(c.reason, "reason", 500) };
    case "renumber":
      return { type: "renumber", section };
    case "takeUp":
      // Present and null clears the mark; a missing clause is a mistake, not a request to clear.
      if (c.clause === undefined) throw bad("clause is required (null clears the clause taken up)");
      return { type: "takeUp", section, clause: nullableStr(c.clause, "clause") };
    default:
      throw bad(`unknown command type ${String(c.type)}`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bad(message: string): GavelError {
  return new GavelError("BAD_REQUEST", message);
}

function str(value: unknown, name: string, max: number): string {
  if (typeof value !== "string" || value.length > max)
    throw bad(`${name} must be a string of at most ${max} characters`);
  return value;
}

function optionalStr(value: unknown, name: string, max: number): string | undefined {
  return value === undefined ? undefined : str(value, name, max);
}

function nullableStr(value: unknown, name: string): string | null {
  return value === null || value === undefined ? null : str(value, name, 48);
}

function state(value: unknown): ConsensusState {
  if (!(CONSENSUS_STATES as readonly unknown[]).includes(value))
    throw bad(`state must be one of ${CONSENSUS_STATES.join(", ")}`);
  return value as ConsensusState;
}

function pending(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 64) throw bad("pending must be an array of at most 64 delegations");
  return value.map((v) => str(v, "pending delegation", 32));
}
