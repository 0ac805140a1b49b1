import { describeClause } from "./clauseReader.ts";
import type { ParagraphRuns } from "./clauseText.ts";
import type { ClauseEntry, Consensus, ConsensusState, Stamp } from "./consensus.ts";
import type { Source } from "./source.ts";

export interface TemplateClause {
  readonly id: string;
  readonly paragraphs: readonly ParagraphRuns[];
  /** Negotiation state the template starts with; open and unlocked when absent. */
  readonly consensus?: ConsensusState;
  /** For agreed_ad_ref: the delegations that must still confirm. */
  readonly pending?: readonly string[];
  /** Locked by the chair, with this reason. */
  readonly locked?: { readonly reason: string | null };
}

export interface TemplateSection {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly TemplateClause[];
}

export interface SessionTemplate {
  readonly id: string;
  readonly title: string;
  /** The source registry footnotes cite. */
  readonly sources: readonly Source[];
  readonly sections: readonly TemplateSection[];
}

/**
 * The index entries a template section starts with: numbered 1..n (SPEC NB1), consensus and
 * lock as the template says, figures from the text. `stamp` is who seeds the session, and when.
 */
export function templateClauseEntries(section: TemplateSection, stamp: Stamp): ClauseEntry[] {
  return section.clauses.map((clause, i) => ({
    id: clause.id,
    createdAt: stamp.at,
    createdBy: stamp.sub,
    consensus: templateConsensus(clause, stamp),
    lock: clause.locked ? { ...stamp, reason: clause.locked.reason } : null,
    number: i + 1,
    formerNumbers: [],
    figures: describeClause(clause.paragraphs).figures,
  }));
}

function templateConsensus(clause: TemplateClause, stamp: Stamp): Consensus {
  switch (clause.consensus ?? "open") {
    case "open":
      return { state: "open" };
    case "agreed":
      return { state: "agreed", set: stamp, confirmed: [] };
    case "agreed_ad_ref":
      return { state: "agreed_ad_ref", pending: [...new Set(clause.pending ?? [])], confirmed: [], set: stamp };
  }
}
