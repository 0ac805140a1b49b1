import type { ConsensusState, LockRecord, ParagraphRuns, Source } from "@gavel/model";

/** A clause as exported: its text and the state the status annex reports. */
export interface ExportClause {
  readonly id: string;
  /** "3", "3 bis". */
  readonly label: string;
  readonly consensus: ConsensusState;
  /** Delegations still to confirm (state agreed_ad_ref). */
  readonly pending: readonly string[];
  readonly lock: LockRecord | null;
  readonly paragraphs: readonly ParagraphRuns[];
}

export interface ExportSection {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly ExportClause[];
}

/** A session's text as of one time, in the form every export renderer takes. */
export interface ExportDocument {
  readonly sessionId: string;
  readonly title: string;
  /** E.g. "Rev.1"; null = the current text. */
  readonly revision: string | null;
  /** ISO 8601 time the text is as of. */
  readonly date: string;
  /** The session's source registry: what footnotes cite. */
  readonly sources: readonly Source[];
  readonly sections: readonly ExportSection[];
}

/** "full": text and status annex. "clean": text only (the caller guarantees no brackets remain). */
export type ExportVariant = "full" | "clean";
