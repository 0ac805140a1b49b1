import type { BracketReason } from "./clauseText.ts";
import {
  type ClauseEntry,
  type ClauseFigures,
  CONSENSUS_STATES,
  type Command,
  type Confirmation,
  type Consensus,
  type ConsensusState,
  type LockRecord,
  type Stamp,
  type TakenUp,
  type TakeUpCommand,
} from "./consensus.ts";
import { renumber } from "./numbering.ts";
import type { Actor, Role } from "./roles.ts";

/*
 * The consensus, lock and clause-command rules of ../SPEC.md as pure decisions: no Yjs, no I/O.
 * The server looks up the clause, asks here, and applies what comes back. Every decision checks
 * the role first, then the payload, then the clause's state; the first refusal is the answer.
 */

export const RULE_ERROR_CODES = [
  "FORBIDDEN",
  "LOCKED",
  "NOT_LOCKED",
  "ALREADY_LOCKED",
  "NOT_AGREED",
  "OPEN_BRACKETS",
  "REASON_REQUIRED",
  "PENDING_REQUIRED",
  "NOT_PENDING",
  "BAD_REQUEST",
  "BRACKET_OWNED",
] as const;
export type RuleErrorCode = (typeof RULE_ERROR_CODES)[number];

/** Every rule of SPEC.md, in the order written there. */
export const RULE_IDS = [
  "CS1",
  "CS2",
  "CS3",
  "CS4",
  "CS5",
  "CS6",
  "CS7",
  "CS8",
  "CS9",
  "CS10",
  "CS11",
  "LK1",
  "LK2",
  "LK3",
  "LK4",
  "LK5",
  "LK6",
  "NB1",
  "NB2",
  "NB3",
  "NB4",
  "NB5",
  "CM1",
  "CM2",
  "CM3",
  "CM4",
  "BO1",
  "BO2",
  "BO3",
  "BO4",
  "BO5",
  "TU1",
  "RO1",
  "AU1",
  "CL1",
  "CL2",
  "CL3",
  "CL4",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface RuleError {
  readonly code: RuleErrorCode;
  readonly rule: RuleId;
  readonly message: string;
}

export type Refusal = { readonly ok: false; readonly error: RuleError };
export type RuleDecision<T extends object = Record<never, never>> = ({ readonly ok: true } & T) | Refusal;

export interface SessionOptions {
  /** Whether the secretariat may lock and unlock clauses (LK1). */
  readonly secretariatMayLock: boolean;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { secretariatMayLock: false };

/** Who acts, when, and under which session options. */
export interface RuleContext {
  readonly actor: Actor;
  /** The actor and the time of the command: what records made by the decision carry. */
  readonly now: Stamp;
  readonly options: SessionOptions;
}

export function stampOf(actor: Actor, at: string): Stamp {
  return { sub: actor.sub, name: actor.name, at };
}

type CommandOf<T extends Command["type"]> = Extract<Command, { readonly type: T }>;
export type SetConsensusPayload = Pick<CommandOf<"setConsensus">, "state" | "pending">;
export type LockPayload = Pick<CommandOf<"lock">, "reason">;
export type UnlockPayload = Pick<CommandOf<"unlock">, "reason">;
export type InsertPayload = Pick<CommandOf<"insertClause">, "after" | "text">;
export type MovePayload = Pick<CommandOf<"moveClause">, "clause" | "after">;

/** An unlocking, for the audit trail and the `unlocked` notice (LK3, LK5). */
export interface UnlockRecord extends Stamp {
  readonly reason: string;
}

/** How a delegate's new clause is bracketed (CM2); the server gives the bracket its id. */
export interface NewClauseBracket {
  readonly by: readonly string[];
  readonly reason: BracketReason;
}

export const MAX_REASON_LENGTH = 500;
export const MAX_DELEGATION_LENGTH = 32;
export const MAX_PENDING = 64;
export const MAX_INSERT_TEXT = 10_000;

export function refuse(code: RuleErrorCode, rule: RuleId, message: string): Refusal {
  return { ok: false, error: { code, rule, message } };
}

/** RO1: whatever the command, an observer is refused first. */
function refuseObserver(actor: Actor): Refusal | null {
  return actor.role === "observer" ? refuse("FORBIDDEN", "RO1", "observers are read-only") : null;
}

/** RO1, then the command's own role rule. */
function checkRole(actor: Actor, allowed: readonly Role[], rule: RuleId, message: string): Refusal | null {
  return refuseObserver(actor) ?? (allowed.includes(actor.role) ? null : refuse("FORBIDDEN", rule, message));
}

function checkLockRole(ctx: RuleContext): Refusal | null {
  const allowed: Role[] = ctx.options.secretariatMayLock ? ["chair", "secretariat"] : ["chair"];
  const who = ctx.options.secretariatMayLock ? "the chair or the secretariat" : "the chair";
  return checkRole(ctx.actor, allowed, "LK1", `only ${who} may lock or unlock a clause`);
}

/** A reason as given: trimmed, empty as null; a non-string or an over-long one is refused. */
function readReason(value: unknown, rule: RuleId): { ok: true; reason: string | null } | Refusal {
  if (value === undefined || value === null) return { ok: true, reason: null };
  if (typeof value !== "string") return refuse("BAD_REQUEST", rule, "reason must be a string");
  const reason = value.trim();
  if (reason.length > MAX_REASON_LENGTH) {
    return refuse("BAD_REQUEST", rule, `reason must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return { ok: true, reason: reason.length > 0 ? reason : null };
}

/** CS1: bracketed is derived from the text's figures, never stored. */
export function isBracketed(figures: ClauseFigures): boolean {
  return figures.openBrackets > 0;
}

/** CS4: delegation codes, trimmed and deduplicated in order. */
function readPending(value: unknown): { ok: true; pending: string[] } | Refusal {
  if (value === undefined || value === null) return { ok: true, pending: [] };
  if (!Array.isArray(value) || value.length > MAX_PENDING) {
    return refuse("BAD_REQUEST", "CS4", `pending must be a list of at most ${MAX_PENDING} delegation codes`);
  }
  const pending: string[] = [];
  for (const item of value) {
    const code = typeof item === "string" ? item.trim() : "";
    if (code.length === 0 || code.length > MAX_DELEGATION_LENGTH) {
      return refuse("BAD_REQUEST", "CS4", `a delegation code is 1 to ${MAX_DELEGATION_LENGTH} characters`);
    }
    if (!pending.includes(code)) pending.push(code);
  }
  return { ok: true, pending };
}

function confirmationsOf(consensus: Consensus): readonly Confirmation[] {
  return consensus.state === "open" ? [] : consensus.confirmed;
}

/** CS1-CS5, CS8: the chair gavels a clause open, agreed or agreed ad referendum. */
export function decideSetConsensus(
  ctx: RuleContext,
  entry: ClauseEntry,
  payload: SetConsensusPayload,
): RuleDecision<{ consensus: Consensus }> {
  const forbidden = checkRole(ctx.actor, ["chair"], "CS2", "only the chair sets the consensus state of a clause");
  if (forbidden) return forbidden;
  const state = payload.state;
  if (!isConsensusState(state)) {
    return refuse("BAD_REQUEST", "CS1", `state must be one of ${CONSENSUS_STATES.join(", ")}`);
  }
  const read = readPending(payload.pending);
  if (!read.ok) return read;
  const { pending } = read;
  if (state !== "agreed_ad_ref" && pending.length > 0) {
    return refuse("BAD_REQUEST", "CS4", "pending delegations are given only for agreed_ad_ref");
  }
  if (state === "agreed_ad_ref" && pending.length === 0) {
    return refuse("PENDING_REQUIRED", "CS4", "agreed ad referendum needs the delegations that must confirm");
  }
  if (entry.lock) return refuse("LOCKED", "CS5", "the clause is locked: unlock it before changing its state");
  if (state !== "open" && isBracketed(entry.figures)) {
    const n = entry.figures.openBrackets;
    return refuse("OPEN_BRACKETS", "CS3", `${n} ${n === 1 ? "bracket" : "brackets"} to agree or withdraw first`);
  }
  const confirmed = confirmationsOf(entry.consensus);
  switch (state) {
    case "open":
      return { ok: true, consensus: { state: "open" } };
    case "agreed":
      return { ok: true, consensus: { state: "agreed", set: ctx.now, confirmed } };
    case "agreed_ad_ref":
      return {
        ok: true,
        consensus: {
          state: "agreed_ad_ref",
          pending,
          confirmed: confirmed.filter((c) => !pending.includes(c.delegation)),
          set: ctx.now,
        },
      };
  }
}

/** Commands arrive as JSON: the state is checked even though its type says it is valid. */
function isConsensusState(value: unknown): value is ConsensusState {
  return (CONSENSUS_STATES as readonly unknown[]).includes(value);
}

/** CS9, CS10: a pending delegation confirms an agreement ad referendum for itself. */
export function decideConfirm(
  ctx: RuleContext,
  entry: ClauseEntry,
): RuleDecision<{ consensus: Consensus; confirmation: Confirmation }> {
  const { actor } = ctx;
  const forbidden = refuseObserver(actor);
  if (forbidden) return forbidden;
  const consensus = entry.consensus;
  if (consensus.state !== "agreed_ad_ref") {
    return refuse("NOT_PENDING", "CS9", "the clause is not agreed ad referendum");
  }
  const delegation = actor.delegation;
  if (delegation === null) return refuse("FORBIDDEN", "CS9", "only a delegation confirms, and this token has none");
  if (consensus.confirmed.some((c) => c.delegation === delegation)) {
    return refuse("NOT_PENDING", "CS9", `${delegation} has already confirmed`);
  }
  if (!consensus.pending.includes(delegation)) {
    return refuse("FORBIDDEN", "CS9", `${delegation} is not among the delegations to confirm`);
  }
  const confirmation: Confirmation = { ...ctx.now, delegation };
  const pending = consensus.pending.filter((code) => code !== delegation);
  const confirmed = [...consensus.confirmed, confirmation];
  // CS10: the chair's gavel stays the record of the agreement; the confirmations say when it became final.
  const next: Consensus =
    pending.length === 0
      ? { state: "agreed", set: consensus.set, confirmed }
      : { state: "agreed_ad_ref", pending, confirmed, set: consensus.set };
  return { ok: true, consensus: next, confirmation };
}

/** LK1, LK2: the chair (or the secretariat, when the session allows) locks a clause. */
export function decideLock(
  ctx: RuleContext,
  entry: ClauseEntry,
  payload: LockPayload,
): RuleDecision<{ lock: LockRecord }> {
  const forbidden = checkLockRole(ctx);
  if (forbidden) return forbidden;
  const read = readReason(payload.reason, "LK2");
  if (!read.ok) return read;
  if (entry.lock) return refuse("ALREADY_LOCKED", "LK2", "the clause is already locked");
  if (entry.consensus.state !== "agreed" && read.reason === null) {
    return refuse("NOT_AGREED", "LK2", "a clause that is not agreed is locked only with a reason");
  }
  return { ok: true, lock: { ...ctx.now, reason: read.reason } };
}

/** LK1, LK3: unlocking always gives a reason. */
export function decideUnlock(
  ctx: RuleContext,
  entry: ClauseEntry,
  payload: UnlockPayload,
): RuleDecision<{ unlock: UnlockRecord }> {
  const forbidden = checkLockRole(ctx);
  if (forbidden) return forbidden;
  const read = readReason(payload.reason, "LK3");
  if (!read.ok) return read;
  if (read.reason === null) return refuse("REASON_REQUIRED", "LK3", "unlocking a clause needs a reason");
  if (!entry.lock) return refuse("NOT_LOCKED", "LK3", "the clause is not locked");
  return { ok: true, unlock: { ...ctx.now, reason: read.reason } };
}

/**
 * CM1, CM2: where a new clause goes (index in the section's order) and whether its text is
 * bracketed as a proposal of the actor's delegation.
 */
export function decideInsert(
  ctx: RuleContext,
  section: readonly ClauseEntry[],
  payload: InsertPayload,
): RuleDecision<{ position: number; bracket: NewClauseBracket | null }> {
  const { actor } = ctx;
  const forbidden = refuseObserver(actor);
  if (forbidden) return forbidden;
  const position = positionAfter(section, payload.after);
  if (position === null) return refuse("BAD_REQUEST", "CM1", `no clause ${String(payload.after)} in this section`);
  const text: unknown = payload.text ?? "";
  if (typeof text !== "string" || text.length > MAX_INSERT_TEXT) {
    return refuse("BAD_REQUEST", "CM1", `text must be a string of at most ${MAX_INSERT_TEXT} characters`);
  }
  if (actor.role !== "delegate") return { ok: true, position, bracket: null };
  if (actor.delegation === null) {
    return refuse("FORBIDDEN", "CM2", "a delegate proposes clauses for a delegation, and this token has none");
  }
  if (text.trim().length === 0) return refuse("BAD_REQUEST", "CM2", "a delegate's proposal needs text");
  return { ok: true, position, bracket: { by: [actor.delegation], reason: "substantive" } };
}

/** The index a clause inserted after `after` takes; null when `after` is not in the section. */
function positionAfter(section: readonly ClauseEntry[], after: string | null): number | null {
  if (after === null) return 0;
  const index = section.findIndex((entry) => entry.id === after);
  return index < 0 ? null : index + 1;
}

/** CM3: the chair or the secretariat moves a clause; it keeps its number (NB1). */
export function decideMove(
  ctx: RuleContext,
  section: readonly ClauseEntry[],
  payload: MovePayload,
): RuleDecision<{ order: string[] }> {
  const forbidden = checkRole(
    ctx.actor,
    ["chair", "secretariat"],
    "CM3",
    "only the chair or the secretariat moves clauses",
  );
  if (forbidden) return forbidden;
  const rest = section.filter((entry) => entry.id !== payload.clause);
  if (rest.length === section.length)
    return refuse("BAD_REQUEST", "CM3", `no clause ${payload.clause} in this section`);
  if (payload.after === payload.clause) return refuse("BAD_REQUEST", "CM3", "a clause cannot be moved after itself");
  const position = positionAfter(rest, payload.after);
  if (position === null) return refuse("BAD_REQUEST", "CM3", `no clause ${String(payload.after)} in this section`);
  const order = rest.map((entry) => entry.id);
  order.splice(position, 0, payload.clause);
  return { ok: true, order };
}

/** CM4: the chair or the secretariat deletes a clause that is not locked. */
export function decideDelete(ctx: RuleContext, entry: ClauseEntry): RuleDecision {
  const forbidden = checkRole(
    ctx.actor,
    ["chair", "secretariat"],
    "CM4",
    "only the chair or the secretariat deletes clauses",
  );
  if (forbidden) return forbidden;
  if (entry.lock) return refuse("LOCKED", "CM4", "a locked clause cannot be deleted: unlock it first");
  return { ok: true };
}

/** NB4: the chair or the secretariat renumbers a section 1..n. */
export function decideRenumber(
  ctx: RuleContext,
  section: readonly ClauseEntry[],
): RuleDecision<{ entries: ClauseEntry[] }> {
  const forbidden = checkRole(
    ctx.actor,
    ["chair", "secretariat"],
    "NB4",
    "only the chair or the secretariat renumbers",
  );
  if (forbidden) return forbidden;
  return { ok: true, entries: renumber(section) };
}

/** TU1: the chair or the secretariat takes a clause up, or clears the mark (`clause: null`). */
export function decideTakeUp(
  ctx: RuleContext,
  payload: Pick<TakeUpCommand, "clause">,
): RuleDecision<{ takenUp: TakenUp | null }> {
  const forbidden = checkRole(
    ctx.actor,
    ["chair", "secretariat"],
    "TU1",
    "only the chair or the secretariat takes up a clause",
  );
  if (forbidden) return forbidden;
  const clause: unknown = payload.clause;
  if (clause === null) return { ok: true, takenUp: null };
  if (typeof clause !== "string" || clause.length === 0) {
    return refuse("BAD_REQUEST", "TU1", "clause must be a clause id, or null to clear");
  }
  return { ok: true, takenUp: { clause, sub: ctx.now.sub, name: ctx.now.name, at: ctx.now.at } };
}

/**
 * CS11: an accepted edit that leaves an agreed or agreed ad referendum clause with open
 * brackets reopens it. A locked clause takes no edit (LK4), so its state never moves here.
 * Returns the new consensus, or null when it does not change. The open state carries no
 * stamp: the edit itself is recorded with its author (AU1).
 */
export function consensusAfterEdit(entry: ClauseEntry, figures: ClauseFigures, _edit: Stamp): Consensus | null {
  if (entry.lock || entry.consensus.state === "open") return null;
  return isBracketed(figures) ? { state: "open" } : null;
}
