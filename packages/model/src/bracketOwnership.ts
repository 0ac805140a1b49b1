import type { ClauseBracket } from "./clauseReader.ts";
import type { Actor } from "./roles.ts";
import { type Refusal, type RuleDecision, type RuleId, refuse } from "./rules.ts";

/*
 * Bracket ownership (SPEC BO1-BO4) as a pure decision: the brackets of a clause as readClause
 * reads them, before and after a delegate's edit. No Yjs: the server reads both states and asks
 * here (server/src/core/BracketGuard.ts).
 */

/** Who writes: what the decision needs of an actor. */
export type BracketWriter = Pick<Actor, "role" | "delegation">;

type Compared = Pick<ClauseBracket, "id" | "by" | "reason" | "group" | "note" | "text">;

/** BO1: a bracket is held by the delegations among its proposers; a token without a delegation holds none. */
export function holdsBracket(delegation: string | null, bracket: Pick<ClauseBracket, "by">): boolean {
  return delegation !== null && bracket.by.includes(delegation);
}

/**
 * BO1, BO4: whether an edit by `writer` must be compared at all. The chair and the secretariat
 * may change any bracket; a delegate's edit can break BO2-BO3 only when the clause holds a
 * bracket its delegation does not hold.
 */
export function needsOwnershipCheck(writer: BracketWriter, brackets: readonly Pick<ClauseBracket, "by">[]): boolean {
  if (writer.role !== "delegate") return false;
  return brackets.some((bracket) => !holdsBracket(writer.delegation, bracket));
}

/**
 * BO2, BO3: whether a delegate's edit, which turned the clause's brackets `before` into `after`,
 * respects the brackets of other delegations. Brackets are matched by id; a bracket that is
 * only in `after` is new, and adding one is always allowed (BO4).
 */
export function decideBracketEdit(
  writer: BracketWriter,
  before: readonly Compared[],
  after: readonly Compared[],
): RuleDecision {
  if (writer.role !== "delegate") return { ok: true };
  const now = new Map(after.map((bracket) => [bracket.id, bracket]));
  for (const old of before) {
    const refusal = checkBracket(writer.delegation, old, now.get(old.id) ?? null);
    if (refusal) return refusal;
  }
  return { ok: true };
}

function checkBracket(delegation: string | null, old: Compared, now: Compared | null): Refusal | null {
  const held = holdsBracket(delegation, old);
  const others = old.by.filter((code) => code !== delegation);
  if (now === null) {
    // BO3: withdrawing as the last proposer removes the bracket; anyone else's proposal stays.
    if (held && others.length === 0) return null;
    return owned(held ? "BO3" : "BO2", old, held ? "removes the proposals of" : "removes a bracket held by");
  }
  const proposers = checkProposers(delegation, old, now);
  if (proposers) return proposers;
  if (held) return null;
  if (now.text !== old.text) return owned("BO2", old, "narrows, widens or changes the text of a bracket held by");
  if (now.reason !== old.reason || now.note !== old.note) {
    return owned("BO2", old, "changes the reason or note of a bracket held by");
  }
  // An alternative added beside a bracket gives it a group; nothing else may move it.
  if (now.group !== old.group && old.group !== null) {
    return owned("BO2", old, "changes the alternatives group of a bracket held by");
  }
  return null;
}

/** BO3: proposers change only by the writer's own delegation coming (co-sponsor) or going (withdraw). */
function checkProposers(delegation: string | null, old: Compared, now: Compared): Refusal | null {
  const added = now.by.filter((code) => !old.by.includes(code));
  const removed = old.by.filter((code) => !now.by.includes(code));
  if ([...added, ...removed].some((code) => code !== delegation)) {
    return owned("BO3", old, "changes other delegations' proposals on a bracket held by");
  }
  if (now.by.length === 0 && old.by.length > 0) {
    return refuse("BRACKET_OWNED", "BO3", `${quote(old)}: the last proposer withdraws by removing the bracket`);
  }
  return null;
}

function owned(rule: RuleId, bracket: Compared, what: string): Refusal {
  const holders = bracket.by.length > 0 ? bracket.by.join(", ") : "no delegation";
  return refuse(
    "BRACKET_OWNED",
    rule,
    `this edit ${what} ${holders} (${quote(bracket)}); only its proposers, the chair or the secretariat may do that`,
  );
}

function quote(bracket: Compared): string {
  const text = bracket.text.length > 40 ? `${bracket.text.slice(0, 39)}…` : bracket.text;
  return `[${text}]`;
}
