import {
  type Actor,
  authorize,
  type ClauseLayout,
  clauseIdsOf,
  type DocName,
  type EditorKind,
  isEditorKind,
  isTemplateId,
  isValidSegment,
  layoutOf,
  parseDocName,
  type SessionTemplate,
  TEMPLATES,
} from "@gavel/model";
import { GavelError } from "../errors.ts";
import { type SessionRecord, type Store, StoreConflictError, type UpdateAuthor } from "../store/Store.ts";
import type { DocumentRegistry } from "./DocumentRegistry.ts";
import type { GroupCommit } from "./GroupCommit.ts";
import { indexRef } from "./refs.ts";
import { seedRecords } from "./seedSession.ts";

export interface CreateSessionInput {
  readonly id: string;
  readonly title: string;
  readonly template: string;
  /** The drafting room's editor, which decides the clause layout of every document (default `tiptap`). */
  readonly editor?: EditorKind;
}

/** The clause layout of a session: its editor's, Tiptap's for records without one. */
export function layoutOfSession(record: Pick<SessionRecord, "editor">): ClauseLayout {
  return layoutOf(record.editor ?? "tiptap");
}

export const SERVER_AUTHOR: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };

/** Sessions, their sections and the names a client may open. Knows no socket and no SQL. */
export class SessionService {
  private readonly cache = new Map<string, SessionRecord>();
  private readonly creating = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly commit: GroupCommit,
    private readonly registry: DocumentRegistry,
  ) {}

  async getSession(id: string): Promise<SessionRecord | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const record = await this.store.getSession(id);
    if (record) this.cache.set(id, record);
    return record;
  }

  /** Creates a session from a template; `actor` null means the server itself (demo). */
  async createSession(actor: Actor | null, input: CreateSessionInput): Promise<SessionRecord> {
    if (!isValidSegment(input.id)) {
      throw new GavelError("INVALID_NAME", "session id must match [a-z0-9][a-z0-9-]{0,47}");
    }
    if (!isTemplateId(input.template)) throw new GavelError("UNKNOWN_TEMPLATE", `unknown template ${input.template}`);
    const editor = input.editor ?? "tiptap";
    if (!isEditorKind(editor)) throw new GavelError("BAD_REQUEST", "editor must be tiptap or lexical");
    if (actor) {
      const decision = authorize(actor, { type: "createSession" });
      if (!decision.allowed) throw new GavelError("FORBIDDEN", decision.reason);
      if (actor.session !== input.id) {
        throw new GavelError("WRONG_SESSION", "the token must be issued for the new session id");
      }
    }
    // Claim the id before any await, so two concurrent creations cannot both seed documents.
    if (this.creating.has(input.id)) throw new GavelError("SESSION_EXISTS");
    this.creating.add(input.id);
    try {
      if (await this.getSession(input.id)) throw new GavelError("SESSION_EXISTS");
      const template = TEMPLATES[input.template];
      const author: UpdateAuthor = actor
        ? { sub: actor.sub, name: actor.name, role: actor.role, delegation: actor.delegation }
        : SERVER_AUTHOR;
      await this.seedDocuments(input.id, template, author, layoutOf(editor));
      const record: SessionRecord = {
        id: input.id,
        title: input.title || template.title,
        template: template.id,
        editor,
        createdAt: Date.now(),
        createdBy: author.sub,
        sections: template.sections.map((s) => ({ id: s.id, title: s.title })),
        sources: template.sources,
      };
      if (!(await this.store.createSession(record))) throw new GavelError("SESSION_EXISTS");
      this.cache.set(record.id, record);
      return record;
    } finally {
      this.creating.delete(input.id);
    }
  }

  /**
   * Each section's documents go to the store in one group (one transaction, one script), on the
   * condition that its index is still empty: a section seeded already, by a creation interrupted
   * before the session record or by another node creating the session at the same moment, is
   * left as it is, and the others are seeded. Never a clause twice.
   */
  private async seedDocuments(
    session: string,
    template: SessionTemplate,
    author: UpdateAuthor,
    layout: ClauseLayout,
  ): Promise<void> {
    const at = Date.now();
    await Promise.all(
      template.sections.map(async (section) => {
        const records = seedRecords(session, { ...template, sections: [section] }, author, at, layout);
        try {
          await this.commit.submitGroup(records);
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
        }
      }),
    );
  }

  /** A demo session of `npm start`: created once, from a template, for an editor. */
  async ensureSession(id: string, template: string, editor: EditorKind = "tiptap"): Promise<boolean> {
    if (await this.getSession(id)) return false;
    try {
      await this.createSession(null, { id, title: "", template, editor });
    } catch (error) {
      // Created by another node starting at the same time.
      if (error instanceof GavelError && error.code === "SESSION_EXISTS") return false;
      throw error;
    }
    return true;
  }

  /** The clause layout of a session's documents (unknown session: Tiptap's, which reads nothing it cannot). */
  async layoutOf(session: string): Promise<ClauseLayout> {
    const record = await this.getSession(session);
    return layoutOfSession(record ?? {});
  }

  /**
   * Turns a client-supplied name into a document the actor may open. A client can never
   * create a session, section or clause by naming it.
   */
  async resolveDocument(actor: Actor, rawName: string): Promise<DocName> {
    const parsed = parseDocName(rawName);
    if (!parsed.ok) throw new GavelError("INVALID_NAME", parsed.reason);
    const name = parsed.value;
    if (name.session !== actor.session) throw new GavelError("WRONG_SESSION");
    const session = await this.getSession(name.session);
    if (!session?.sections.some((s) => s.id === name.section)) {
      throw new GavelError("UNKNOWN_DOCUMENT", `no section ${name.section} in session ${name.session}`);
    }
    if (name.kind === "clause") {
      const ids = await this.registry.withDocument(indexRef(name.session, name.section), (h) => clauseIdsOf(h.doc));
      if (!ids.includes(name.clause))
        throw new GavelError("UNKNOWN_DOCUMENT", `no clause ${name.clause} in ${name.section}`);
    }
    return name;
  }

  async sessionFor(actor: Actor, id: string): Promise<SessionRecord> {
    if (actor.session !== id) throw new GavelError("WRONG_SESSION");
    const session = await this.getSession(id);
    if (!session) throw new GavelError("NOT_FOUND", `no session ${id}`);
    return session;
  }
}
