import {
  type Actor,
  type ClauseBracket,
  type ClauseFigures,
  type ClauseFootnote,
  type Consensus,
  type IndexedClause,
  type LockRecord,
  readSectionIndex,
} from "@gavel/model";
import { GavelError } from "../errors.ts";
import type { DocumentRegistry } from "./DocumentRegistry.ts";
import { clauseRef, indexRef } from "./refs.ts";
import type { SessionService } from "./SessionService.ts";

export interface ClauseView {
  readonly id: string;
  /** The label negotiators use: `3`, `3 bis`. */
  readonly number: string;
  readonly formerNumbers: readonly string[];
  readonly text: string;
  readonly consensus: Consensus;
  /** Derived from the text, never stored (SPEC). */
  readonly bracketed: boolean;
  readonly locked: LockRecord | null;
  readonly brackets: readonly ClauseBracket[];
  readonly footnotes: readonly (ClauseFootnote & { readonly sourceTitle: string })[];
  readonly figures: ClauseFigures;
}

export interface SectionFigures {
  readonly clauses: number;
  readonly byState: Record<Consensus["state"], number>;
  readonly locked: number;
  readonly bracketedClauses: number;
  readonly openBrackets: number;
  readonly alternatives: number;
  readonly byDelegation: Record<string, number>;
}

/** Read models for the HTTP API, from the live (loaded) documents. */
export class SessionViews {
  constructor(
    private readonly sessions: SessionService,
    private readonly registry: DocumentRegistry,
  ) {}

  async summary(actor: Actor, id: string) {
    const session = await this.sessions.sessionFor(actor, id);
    const sections = [];
    for (const section of session.sections) {
      const index = await this.registry.withDocument(indexRef(id, section.id), (h) => readSectionIndex(h.doc));
      sections.push({
        id: section.id,
        title: section.title,
        clauses: index.clauses.length,
        figures: figuresOf(index.clauses),
        takenUp: index.takenUp,
      });
    }
    const { title, template, createdAt, sources } = session;
    const editor = session.editor ?? "tiptap";
    return { id, title, template, editor, createdAt: new Date(createdAt).toISOString(), sources, sections };
  }

  async section(actor: Actor, id: string, sectionId: string) {
    const session = await this.sessions.sessionFor(actor, id);
    const section = session.sections.find((s) => s.id === sectionId);
    if (!section) throw new GavelError("NOT_FOUND", `no section ${sectionId}`);
    const titles = new Map(session.sources.map((s) => [s.id, s.title]));
    const index = await this.registry.withDocument(indexRef(id, sectionId), (h) => readSectionIndex(h.doc));
    const clauses: ClauseView[] = [];
    for (const clause of index.clauses) {
      const content = await this.registry.withDocument(clauseRef(id, sectionId, clause.id), (h) =>
        h.readDurable((doc) => h.layout.read(doc)),
      );
      clauses.push({
        id: clause.id,
        number: clause.label,
        formerNumbers: clause.formerNumbers,
        text: content.text,
        consensus: clause.consensus,
        bracketed: content.figures.openBrackets > 0,
        locked: clause.lock,
        brackets: content.brackets,
        footnotes: content.footnotes.map((f) => ({ ...f, sourceTitle: titles.get(f.source) ?? f.source })),
        figures: content.figures,
      });
    }
    const { takenUp } = index;
    const editor = session.editor ?? "tiptap";
    return {
      session: id,
      id: sectionId,
      title: section.title,
      editor,
      clauses,
      figures: figuresOf(index.clauses),
      takenUp,
    };
  }

  /** Live consensus figures of every section, from the indexes alone (no clause is loaded). */
  async consensus(actor: Actor, id: string) {
    const session = await this.sessions.sessionFor(actor, id);
    const sections = [];
    const all: IndexedClause[] = [];
    for (const section of session.sections) {
      const index = await this.registry.withDocument(indexRef(id, section.id), (h) => readSectionIndex(h.doc));
      all.push(...index.clauses);
      sections.push({
        id: section.id,
        title: section.title,
        figures: figuresOf(index.clauses),
        clauses: index.clauses.map((c) => ({
          id: c.id,
          number: c.label,
          state: c.consensus.state,
          locked: c.lock !== null,
          figures: c.figures,
        })),
      });
    }
    return { session: id, totals: figuresOf(all), sections };
  }
}

export function figuresOf(clauses: readonly IndexedClause[]): SectionFigures {
  const byState: Record<Consensus["state"], number> = { open: 0, agreed_ad_ref: 0, agreed: 0 };
  const byDelegation: Record<string, number> = {};
  let locked = 0;
  let bracketedClauses = 0;
  let openBrackets = 0;
  let alternatives = 0;
  for (const clause of clauses) {
    byState[clause.consensus.state] += 1;
    if (clause.lock) locked += 1;
    if (clause.figures.openBrackets > 0) bracketedClauses += 1;
    openBrackets += clause.figures.openBrackets;
    alternatives += clause.figures.alternatives;
    for (const [delegation, count] of Object.entries(clause.figures.byDelegation)) {
      byDelegation[delegation] = (byDelegation[delegation] ?? 0) + count;
    }
  }
  return { clauses: clauses.length, byState, locked, bracketedClauses, openBrackets, alternatives, byDelegation };
}
