/**
 * The format-neutral layout every export renderer draws from: clause text as pieces (text,
 * literal bracket opening and closing, footnote references), footnotes numbered document-wide
 * in order of appearance, and the status annex as rows of cell texts. Computing these once is
 * what keeps the DOCX, HTML and Markdown exports identical in content. Brackets and empty runs
 * are read as the model reads clause text (describeClause): a bracket opens where the bracket id
 * of consecutive runs changes, and runs without text count for nothing.
 */
import type { BracketAttrs, FootnoteAttrs, LockRecord, ParagraphRuns, Source } from "@gavel/model";
import type { ExportClause, ExportDocument, ExportSection, ExportVariant } from "./ExportDocument.ts";

export interface TextPiece {
  readonly kind: "text";
  readonly text: string;
  readonly bold: boolean;
  readonly italic: boolean;
}
/** A literal `[`: stands before the first run of a bracket. */
export interface OpenPiece {
  readonly kind: "open";
  readonly bracket: BracketAttrs;
}
/** A literal `]`: stands after the last run of a bracket. */
export interface ClosePiece {
  readonly kind: "close";
  readonly bracket: BracketAttrs;
}
/** A footnote reference: stands after the last run of its footnote. */
export interface RefPiece {
  readonly kind: "ref";
  readonly number: number;
}
/**
 * Who proposes a bracket, drawn small after its `]`: the delegation codes, once per bracket,
 * after its last closing in the clause (a bracket split by a footnote or across paragraphs
 * closes more than once). Brackets without proposers have none.
 */
export interface ProposersPiece {
  readonly kind: "proposers";
  readonly codes: readonly string[];
}
export type Piece = TextPiece | OpenPiece | ClosePiece | RefPiece | ProposersPiece;
export type PieceParagraph = readonly Piece[];

export interface LaidOutClause {
  readonly clause: ExportClause;
  readonly paragraphs: readonly PieceParagraph[];
}

export interface LaidOutSection {
  readonly section: ExportSection;
  readonly clauses: readonly LaidOutClause[];
}

export interface NumberedFootnote {
  readonly number: number;
  /** The source's title (its id when the registry lacks it), then the note if any. */
  readonly text: string;
  /** The source's address, when it is an http(s) URL. */
  readonly url: string | null;
}

export interface Layout {
  readonly title: string;
  /** The revision ("Rev.1") or "Current text". */
  readonly revision: string;
  /** The ISO time the text is as of, and its display form. */
  readonly isoDate: string;
  readonly date: string;
  readonly sections: readonly LaidOutSection[];
  readonly footnotes: readonly NumberedFootnote[];
  /** Rows of ANNEX_COLUMNS cell texts; null for the clean variant. */
  readonly annex: readonly (readonly string[])[] | null;
}

export const ANNEX_TITLE = "Annex: status of clauses";
export const ANNEX_COLUMNS = ["Clause", "State", "Locked", "Open brackets", "Proposers"] as const;
export const NONE = "—";

/** Lays a document out for rendering; pure. */
export function layOut(doc: ExportDocument, variant: ExportVariant): Layout {
  const footnotes = new FootnoteNumbering(doc);
  const sections = doc.sections.map((section, s) => ({
    section,
    clauses: section.clauses.map((clause, c) => {
      const ends = new BracketEnds(clause);
      return {
        clause,
        paragraphs: clause.paragraphs.map((runs, p) => layOutParagraph(runs, p, footnotes, ends, `${s}/${c}`)),
      };
    }),
  }));
  return {
    title: doc.title,
    revision: doc.revision ?? "Current text",
    isoDate: doc.date,
    date: formatTime(doc.date),
    sections,
    footnotes: footnotes.numbered,
    annex: variant === "full" ? annexRows(doc) : null,
  };
}

function layOutParagraph(
  runs: ParagraphRuns,
  p: number,
  footnotes: FootnoteNumbering,
  ends: BracketEnds,
  clauseKey: string,
): Piece[] {
  const pieces: Piece[] = [];
  let open: { readonly bracket: BracketAttrs; last: number } | null = null;
  const close = () => {
    if (!open) return;
    pieces.push({ kind: "close", bracket: open.bracket });
    const codes = ends.proposersClosingAt(open.bracket.id, p, open.last);
    if (codes) pieces.push({ kind: "proposers", codes });
  };
  runs.forEach((run, r) => {
    if (run.text === "") return;
    if ((run.bracket?.id ?? null) !== (open?.bracket.id ?? null)) {
      close();
      if (run.bracket) pieces.push({ kind: "open", bracket: run.bracket });
      open = run.bracket ? { bracket: run.bracket, last: r } : null;
    }
    if (open) open.last = r;
    pieces.push({ kind: "text", text: run.text, bold: !!run.bold, italic: !!run.italic });
    const number = run.footnote ? footnotes.referenceAt(`${clauseKey}/${p}/${r}`, run.footnote) : null;
    if (number !== null) pieces.push({ kind: "ref", number });
  });
  close();
  return pieces;
}

/** Where each bracket of a clause ends (its last non-empty run), and its proposers as the model reads them. */
class BracketEnds {
  private readonly last = new Map<string, string>();
  private readonly proposers = new Map<string, readonly string[]>();

  constructor(clause: ExportClause) {
    for (const bracket of openBrackets(clause)) this.proposers.set(bracket.id, bracket.by);
    clause.paragraphs.forEach((runs, p) => {
      runs.forEach((run, r) => {
        if (run.bracket && run.text !== "") this.last.set(run.bracket.id, `${p}/${r}`);
      });
    });
  }

  /** The proposers to draw after a closing of `id` whose last run is `p/r`: only at the bracket's end. */
  proposersClosingAt(id: string, p: number, r: number): readonly string[] | null {
    if (this.last.get(id) !== `${p}/${r}`) return null;
    const codes = this.proposers.get(id) ?? [];
    return codes.length > 0 ? codes : null;
  }
}

/**
 * Numbers footnotes in order of their references; a reference stands after a footnote's last run
 * in its clause (footnote ids are scoped to a clause, as each clause is its own document).
 */
class FootnoteNumbering {
  readonly numbered: NumberedFootnote[] = [];
  private readonly lastRun = new Map<string, string>();
  private readonly sources: ReadonlyMap<string, Source>;

  constructor(doc: ExportDocument) {
    this.sources = new Map(doc.sources.map((source) => [source.id, source]));
    doc.sections.forEach((section, s) => {
      section.clauses.forEach((clause, c) => {
        clause.paragraphs.forEach((runs, p) => {
          runs.forEach((run, r) => {
            if (run.footnote && run.text !== "")
              this.lastRun.set(`${s}/${c}:${run.footnote.id}`, `${s}/${c}/${p}/${r}`);
          });
        });
      });
    });
  }

  /** The number of the footnote whose reference stands after the run at `s/c/p/r`, or null. */
  referenceAt(key: string, footnote: FootnoteAttrs): number | null {
    const clause = key.split("/").slice(0, 2).join("/");
    if (this.lastRun.get(`${clause}:${footnote.id}`) !== key) return null;
    const source = this.sources.get(footnote.source);
    const title = source?.title ?? footnote.source;
    const note = footnote.note?.trim();
    const url = source?.url && /^https?:\/\//i.test(source.url) ? source.url : null;
    const number = this.numbered.length + 1;
    this.numbered.push({ number, text: note ? `${title} ${NONE} ${note}` : title, url });
    return number;
  }
}

function annexRows(doc: ExportDocument): string[][] {
  return doc.sections.flatMap((section) =>
    section.clauses.map((clause) => {
      const brackets = openBrackets(clause);
      const proposers = [...new Set(brackets.flatMap((b) => b.by))].sort();
      return [
        `${section.title}, ${clause.label}`,
        stateLabel(clause),
        lockLabel(clause.lock),
        String(brackets.length),
        proposers.length > 0 ? proposers.join(", ") : NONE,
      ];
    }),
  );
}

/** The distinct brackets of a clause, in order of appearance. */
export function openBrackets(clause: ExportClause): BracketAttrs[] {
  const byId = new Map<string, BracketAttrs>();
  for (const run of clause.paragraphs.flat()) {
    if (run.bracket && run.text !== "" && !byId.has(run.bracket.id)) byId.set(run.bracket.id, run.bracket);
  }
  return [...byId.values()];
}

function stateLabel(clause: ExportClause): string {
  switch (clause.consensus) {
    case "open":
      return "open";
    case "agreed":
      return "agreed";
    case "agreed_ad_ref":
      return clause.pending.length > 0
        ? `agreed ad referendum (pending: ${clause.pending.join(", ")})`
        : "agreed ad referendum";
  }
}

function lockLabel(lock: LockRecord | null): string {
  if (!lock) return NONE;
  const stamp = `${lock.name}, ${formatTime(lock.at)}`;
  return lock.reason ? `${stamp}: ${lock.reason}` : stamp;
}

/** "2026-03-04 10:15 UTC"; an unparseable time as given. */
export function formatTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const utc = time.toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
}
