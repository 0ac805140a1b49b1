/**
 * The consensus model's data: what a section index stores per clause, and the commands that
 * change it. The rules that decide commands are in rules.ts; they are written down, with ids,
 * in ../SPEC.md.
 */

export const CONSENSUS_STATES = ["open", "agreed_ad_ref", "agreed"] as const;
export type ConsensusState = (typeof CONSENSUS_STATES)[number];

/** Who did something, and when (ISO 8601). */
export interface Stamp {
  readonly sub: string;
  readonly name: string;
  readonly at: string;
}

export interface Confirmation extends Stamp {
  readonly delegation: string;
}

/** A clause's consensus state. `bracketed` is never stored: it is derived from the text. */
export type Consensus =
  | { readonly state: "open" }
  | {
      readonly state: "agreed_ad_ref";
      /** Delegations that still have to confirm. Never empty. */
      readonly pending: readonly string[];
      readonly confirmed: readonly Confirmation[];
      readonly set: Stamp;
    }
  | { readonly state: "agreed"; readonly set: Stamp; readonly confirmed: readonly Confirmation[] };

export interface LockRecord extends Stamp {
  /** Why; required to lock a clause that is not agreed, and kept for the audit trail. */
  readonly reason: string | null;
}

/** Counts derived from a clause's text, kept in the index so nobody must load every clause. */
export interface ClauseFigures {
  readonly openBrackets: number;
  /** Groups of two or more alternative brackets (`[shall][should]` is one). */
  readonly alternatives: number;
  /** Open brackets each delegation is a proposer of. */
  readonly byDelegation: Readonly<Record<string, number>>;
}

export const NO_FIGURES: ClauseFigures = { openBrackets: 0, alternatives: 0, byDelegation: {} };

/** Per-clause entry of a section index. Plain JSON: only the server writes it. */
export interface ClauseEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly consensus: Consensus;
  readonly lock: LockRecord | null;
  /** The number given at creation from a template or at the last renumbering; null for a clause inserted since. */
  readonly number: number | null;
  /** Labels the clause had before renumberings, oldest first: old references stay findable. */
  readonly formerNumbers: readonly string[];
  readonly figures: ClauseFigures;
}

/** Commands: the only way the structure and state of a section change. */
export type Command =
  | { readonly type: "insertClause"; readonly section: string; readonly after: string | null; readonly text?: string }
  | { readonly type: "moveClause"; readonly section: string; readonly clause: string; readonly after: string | null }
  | { readonly type: "deleteClause"; readonly section: string; readonly clause: string }
  | {
      readonly type: "setConsensus";
      readonly section: string;
      readonly clause: string;
      readonly state: ConsensusState;
      readonly pending?: readonly string[];
    }
  | { readonly type: "confirm"; readonly section: string; readonly clause: string }
  | { readonly type: "lock"; readonly section: string; readonly clause: string; readonly reason?: string }
  | { readonly type: "unlock"; readonly section: string; readonly clause: string; readonly reason: string }
  | { readonly type: "renumber"; readonly section: string };

export type CommandType = Command["type"];

/**
 * Take up (TU1): marks the clause under discussion for everyone (the room and the projector);
 * `clause: null` clears the mark. Kept out of `Command` so that exhaustive switches over the
 * clause commands stay valid; the server runs every `RoomCommand`.
 */
export interface TakeUpCommand {
  readonly type: "takeUp";
  readonly section: string;
  readonly clause: string | null;
}

/** Every command the server runs, over HTTP and as stateless messages on /collab. */
export type RoomCommand = Command | TakeUpCommand;

/** The clause under discussion in a section, as the section index stores it (`meta.takenUp`). */
export interface TakenUp {
  readonly clause: string;
  /** Who took it up (token subject and name), and when (ISO 8601). */
  readonly sub: string;
  readonly name: string;
  readonly at: string;
}
