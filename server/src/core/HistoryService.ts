import { type Actor, type ClauseContent, type IndexedClause, indexDocName, parseDocName } from "@gavel/model";
import { diffWords } from "diff";
import { GavelError } from "../errors.ts";
import type { RevisionRecord, Store, StoredUpdate } from "../store/Store.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { layoutOfSession, type SessionService } from "./SessionService.ts";
import { type ClauseRedline, sectionRedline } from "./sectionRedline.ts";
import { type LogBound, type SectionState, sectionRecords, sectionStateAt } from "./sectionState.ts";

export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly section: string;
  readonly clause: string | null;
  readonly kind: "edit" | "command" | "created";
  readonly actor: StoredUpdate["author"];
  /** For commands: the command as recorded. */
  readonly command?: unknown;
  readonly bytes: number;
}

export interface ClauseChange {
  readonly section: string;
  readonly clause: string;
  readonly label: string;
  readonly change: "added" | "removed" | "modified";
  readonly before: string | null;
  readonly after: string | null;
  /** Word-level changes from `before` to `after`. */
  readonly parts: { value: string; added?: boolean; removed?: boolean }[];
}

/** Where a read points: the current text, a named revision, or an instant. */
export type PointInTime =
  | { readonly type: "now" }
  | { readonly type: "revision"; readonly label: string }
  | { readonly type: "time"; readonly at: number };

/** Audit trail, time travel, named revisions and diffs: everything read from the full log. */
export class HistoryService {
  constructor(
    private readonly store: Store,
    private readonly commit: GroupCommit,
    private readonly sessions: SessionService,
  ) {}

  /** Every command and every accepted edit, oldest first, optionally for one section or clause. */
  async events(actor: Actor, session: string, filter: { section?: string; clause?: string }): Promise<AuditEvent[]> {
    const record = await this.sessions.sessionFor(actor, session);
    const sections = record.sections.filter((s) => !filter.section || s.id === filter.section);
    const events: AuditEvent[] = [];
    for (const section of sections) {
      for (const update of await this.store.sectionHistory(indexDocName(session, section.id))) {
        const event = toEvent(update, section.id);
        if (!filter.clause || event.clause === filter.clause || commandClause(event) === filter.clause)
          events.push(event);
      }
    }
    return events.sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Sections as they were at a point in time (all of them, or one). */
  async sectionsAt(actor: Actor, session: string, point: PointInTime, only?: string): Promise<SectionState[]> {
    const record = await this.sessions.sessionFor(actor, session);
    const revision = point.type === "revision" ? await this.revision(session, point.label) : null;
    const states: SectionState[] = [];
    for (const section of record.sections) {
      if (only && section.id !== only) continue;
      const key = indexDocName(session, section.id);
      states.push(await sectionStateAt(this.store, key, boundOf(point, revision, key), layoutOfSession(record)));
    }
    if (only && states.length === 0) throw new GavelError("NOT_FOUND", `no section ${only}`);
    return states;
  }

  async clauseAt(actor: Actor, session: string, section: string, clause: string, point: PointInTime) {
    const [state] = await this.sectionsAt(actor, session, point, section);
    const found = state?.clauses.find((c) => c.id === clause);
    if (!found) throw new GavelError("NOT_FOUND", `no clause ${clause} in ${section} at that point`);
    return found;
  }

  /** A named revision of every section at one instant: no append lands while positions are read. */
  async takeRevision(actor: Actor, session: string, label: string): Promise<RevisionRecord> {
    const record = await this.sessions.sessionFor(actor, session);
    if (actor.role !== "chair" && actor.role !== "secretariat") {
      throw new GavelError("FORBIDDEN", "only the chair or the secretariat take revisions");
    }
    if (!/^[\w.\- ]{1,40}$/.test(label))
      throw new GavelError("BAD_REQUEST", "a label is 1-40 letters, digits, . - _ or spaces");
    // One instant for every section: this node's appends wait, and the store reads all the
    // positions in one statement (one script on Redis), whatever other nodes append.
    const revision = await this.commit.exclusive(async (): Promise<RevisionRecord> => {
      const keys = record.sections.map((section) => indexDocName(session, section.id));
      const positions = await this.store.positions(keys);
      return { label, at: Date.now(), by: { sub: actor.sub, name: actor.name }, positions };
    });
    if (!(await this.store.saveRevision(session, revision))) throw new GavelError("REVISION_EXISTS");
    return revision;
  }

  async revisions(actor: Actor, session: string): Promise<RevisionRecord[]> {
    await this.sessions.sessionFor(actor, session);
    return this.store.listRevisions(session);
  }

  /** What changed in the text of each clause between two points; unchanged clauses are left out. */
  async diff(actor: Actor, session: string, from: PointInTime, to: PointInTime): Promise<ClauseChange[]> {
    const before = await this.sectionsAt(actor, session, from);
    const after = await this.sectionsAt(actor, session, to);
    const changes: ClauseChange[] = [];
    for (const [i, sectionAfter] of after.entries()) {
      changes.push(...diffSection(sectionAfter.key, before[i]?.clauses ?? [], sectionAfter.clauses));
    }
    return changes;
  }

  /**
   * A section's redline between two points (`from` no later than `to`): every clause, its text
   * in segments kept, inserted and deleted, each change with its author.
   */
  async redline(
    actor: Actor,
    session: string,
    section: string,
    from: PointInTime,
    to: PointInTime,
  ): Promise<ClauseRedline[]> {
    const record = await this.sessions.sessionFor(actor, session);
    if (!record.sections.some((s) => s.id === section)) throw new GavelError("NOT_FOUND", `no section ${section}`);
    const key = indexDocName(session, section);
    const bound = async (point: PointInTime) =>
      boundOf(point, point.type === "revision" ? await this.revision(session, point.label) : null, key);
    const earlier = await sectionRecords(this.store, key, await bound(from));
    const later = await sectionRecords(this.store, key, await bound(to));
    // Both are prefixes of one log: the earlier point must be a prefix of the later.
    if (earlier.length > later.length || (earlier.length > 0 && later[earlier.length - 1]?.id !== earlier.at(-1)?.id)) {
      throw new GavelError("BAD_REQUEST", "from must not be later than to");
    }
    return sectionRedline(key, later, earlier.length, layoutOfSession(record));
  }

  private async revision(session: string, label: string): Promise<RevisionRecord> {
    const revision = await this.store.getRevision(session, label);
    if (!revision) throw new GavelError("UNKNOWN_REVISION", `no revision ${label}`);
    return revision;
  }
}

type ReadClause = IndexedClause & { readonly content: ClauseContent };

function diffSection(key: string, before: readonly ReadClause[], after: readonly ReadClause[]): ClauseChange[] {
  const section = key.split("/")[1] ?? key;
  const old = new Map(before.map((c) => [c.id, c]));
  const changes: ClauseChange[] = [];
  for (const clause of after) {
    const previous = old.get(clause.id);
    old.delete(clause.id);
    const a = previous?.content.text ?? null;
    const b = clause.content.text;
    if (a === b) continue;
    changes.push({
      section,
      clause: clause.id,
      label: clause.label,
      change: a === null ? "added" : "modified",
      before: a,
      after: b,
      parts: diffWords(a ?? "", b),
    });
  }
  for (const gone of old.values()) {
    changes.push({
      section,
      clause: gone.id,
      label: gone.label,
      change: "removed",
      before: gone.content.text,
      after: null,
      parts: diffWords(gone.content.text, ""),
    });
  }
  return changes;
}

function boundOf(point: PointInTime, revision: RevisionRecord | null, key: string): LogBound {
  switch (point.type) {
    case "now":
      return { type: "now" };
    case "time":
      return { type: "time", at: point.at };
    case "revision":
      return { type: "position", until: revision?.positions[key] ?? null };
  }
}

function toEvent(update: StoredUpdate, section: string): AuditEvent {
  const name = parseDocName(update.doc);
  const clause = name.ok && name.value.kind === "clause" ? name.value.clause : null;
  const base = {
    id: update.id,
    at: new Date(update.at).toISOString(),
    section,
    clause,
    actor: update.author,
    bytes: update.update.length,
  };
  if (update.command !== undefined) return { ...base, kind: "command", command: safeJson(update.command) };
  return { ...base, kind: clause ? "edit" : "created" };
}

function commandClause(event: AuditEvent): string | null {
  const command = event.command;
  if (typeof command === "object" && command !== null && "clause" in command && typeof command.clause === "string") {
    return command.clause;
  }
  return null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
