import {
  type Actor,
  type ClauseEntry,
  type Command,
  consensusAfterEdit,
  DEFAULT_SESSION_OPTIONS,
  decideConfirm,
  decideDelete,
  decideInsert,
  decideLock,
  decideMove,
  decideRenumber,
  decideSetConsensus,
  decideTakeUp,
  decideUnlock,
  INDEX_CLAUSES,
  INDEX_DELETED,
  INDEX_META,
  INDEX_ORDER,
  INDEX_TAKEN_UP,
  type RoomCommand,
  type RuleContext,
  type SessionOptions,
  stampOf,
  type TakenUp,
} from "@gavel/model";
import { GavelError } from "../errors.ts";
import type { UpdateAuthor, UpdateRecord } from "../store/Store.ts";
import { authorOf, type DocumentHost, sameLock } from "./DocumentHost.ts";
import type { DocumentRegistry } from "./DocumentRegistry.ts";
import {
  changeIndex,
  clearTakenUp,
  entryOf,
  newClauseText,
  nextClauseId,
  requireEntry,
  unwrap,
  updateEntry,
} from "./indexChanges.ts";
import { clauseRef, indexRef } from "./refs.ts";
import { SERVER_AUTHOR, type SessionService } from "./SessionService.ts";

export interface CommandResult {
  readonly command: RoomCommand["type"];
  readonly clause: ClauseEntry | null;
  /** takeUp only: the clause under discussion after the command (TU1). */
  readonly takenUp?: TakenUp | null;
}

/**
 * Commands: validated against role and state by the rules (packages/model/src/rules.ts, SPEC.md)
 * and applied by the server to the section index, recorded with the actor (AU1). Index changes
 * are serialised per index (DocumentHost.applyServerChange), so each decision reads the state
 * the previous command left.
 */
export class CommandService {
  constructor(
    private readonly sessions: SessionService,
    private readonly registry: DocumentRegistry,
    private readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {}

  async execute(actor: Actor, session: string, command: RoomCommand): Promise<CommandResult> {
    const record = await this.sessions.sessionFor(actor, session);
    if (!record.sections.some((s) => s.id === command.section)) {
      throw new GavelError("NOT_FOUND", `no section ${command.section}`);
    }
    // RO1 before anything else: an observer learns nothing about clauses from a refusal.
    if (actor.role === "observer") throw new GavelError("FORBIDDEN", "RO1: observers are read-only");
    const ctx: RuleContext = { actor, now: stampOf(actor, new Date().toISOString()), options: this.options };
    return this.registry.withDocument(indexRef(session, command.section), async (index) => {
      if (command.type === "takeUp") {
        // TU1: the mark is the index's, in `meta`; the result says what was stored.
        const { clause, takenUp } = await changeIndex(ctx.actor, index, command, (doc) => {
          const { takenUp } = unwrap(decideTakeUp(ctx, command));
          const entry = takenUp ? requireEntry(doc, takenUp.clause) : null;
          doc.getMap<unknown>(INDEX_META).set(INDEX_TAKEN_UP, takenUp);
          return { clause: entry, takenUp };
        });
        return { command: command.type, clause, takenUp };
      }
      const clause = await this.run(ctx, session, index, command);
      return { command: command.type, clause };
    });
  }

  /** The id of a section's last clause (where an insert without `after` goes), null when empty. */
  async lastClauseId(actor: Actor, session: string, section: string): Promise<string | null> {
    const record = await this.sessions.sessionFor(actor, session);
    if (!record.sections.some((s) => s.id === section)) throw new GavelError("NOT_FOUND", `no section ${section}`);
    const ids = await this.registry.withDocument(indexRef(session, section), (h) =>
      h.doc.getArray<string>(INDEX_ORDER).toArray(),
    );
    return ids.at(-1) ?? null;
  }

  private async run(
    ctx: RuleContext,
    session: string,
    index: DocumentHost,
    command: Command,
  ): Promise<ClauseEntry | null> {
    switch (command.type) {
      case "insertClause":
        return this.insert(ctx, session, index, command);
      case "moveClause":
        return changeIndex(ctx.actor, index, command, (doc, entries) => {
          const { order } = unwrap(decideMove(ctx, entries, command));
          const array = doc.getArray<string>(INDEX_ORDER);
          array.delete(0, array.length);
          array.insert(0, order);
          return entryOf(doc, command.clause);
        });
      case "deleteClause":
        return changeIndex(ctx.actor, index, command, (doc) => {
          const entry = requireEntry(doc, command.clause);
          unwrap(decideDelete(ctx, entry));
          const array = doc.getArray<string>(INDEX_ORDER);
          array.delete(array.toArray().indexOf(command.clause), 1);
          doc.getMap<ClauseEntry>(INDEX_CLAUSES).delete(command.clause);
          // Its document stays in the store (history): its id is never given again.
          doc.getArray<string>(INDEX_DELETED).push([command.clause]);
          clearTakenUp(doc, command.clause);
          return entry;
        });
      case "setConsensus": {
        // Role and existence first (RO1, CS2), before the clause is loaded for its figures.
        unwrap(decideSetConsensus(ctx, requireEntry(index.doc, command.clause), command));
        const figures = await this.figuresOf(session, command.section, command.clause);
        return updateEntry(ctx.actor, index, command, (entry) => {
          const { consensus } = unwrap(decideSetConsensus(ctx, { ...entry, figures }, command));
          return { ...entry, figures, consensus };
        });
      }
      case "confirm":
        return updateEntry(ctx.actor, index, command, (entry) => ({
          ...entry,
          consensus: unwrap(decideConfirm(ctx, entry)).consensus,
        }));
      case "lock":
        return this.lock(ctx, session, index, command);
      case "unlock":
        return this.unlock(ctx, session, index, command);
      case "renumber":
        return changeIndex(ctx.actor, index, command, (doc, entries) => {
          const map = doc.getMap<ClauseEntry>(INDEX_CLAUSES);
          for (const entry of unwrap(decideRenumber(ctx, entries)).entries) map.set(entry.id, entry);
          return null;
        });
    }
  }

  /**
   * CM1, CM2: the id is chosen and the position decided inside the serialised index change, and
   * the clause's text is stored in the same batch as its index entry, so two concurrent inserts
   * never share an id and a refused insert leaves nothing behind.
   */
  private insert(
    ctx: RuleContext,
    session: string,
    index: DocumentHost,
    command: Extract<Command, { type: "insertClause" }>,
  ) {
    const author = authorOf(ctx.actor);
    let text: UpdateRecord | null = null;
    return changeIndex(
      ctx.actor,
      index,
      command,
      (indexDoc, current) => {
        const { position, bracket } = unwrap(decideInsert(ctx, current, command));
        const id = nextClauseId(indexDoc);
        const clause = newClauseText(
          index.layout,
          command.text ?? "",
          bracket ? { ...bracket, id: `b-${id}`, group: null } : null,
        );
        text = { doc: clauseRef(session, command.section, id).name, update: clause.update, author, at: Date.now() };
        const entry: ClauseEntry = {
          id,
          createdAt: ctx.now.at,
          createdBy: ctx.actor.sub,
          consensus: { state: "open" },
          lock: null,
          number: null,
          formerNumbers: [],
          figures: clause.figures,
        };
        indexDoc.getMap<ClauseEntry>(INDEX_CLAUSES).set(id, entry);
        indexDoc.getArray<string>(INDEX_ORDER).insert(position, [id]);
        return entry;
      },
      () => (text ? { companions: [text] } : {}),
    );
  }

  /**
   * LK4: from the moment the lock is decided the clause refuses every write; the writes it
   * accepted before are drained into the store, then the lock is stored with the store-level
   * lock (atomic with the append, on every node), then everyone is told (LK5).
   */
  private async lock(
    ctx: RuleContext,
    session: string,
    index: DocumentHost,
    command: Extract<Command, { type: "lock" }>,
  ) {
    const pre = requireEntry(index.doc, command.clause);
    const { lock } = unwrap(decideLock(ctx, pre, command));
    const clause = await this.registry.acquire(clauseRef(session, command.section, command.clause));
    let began = false;
    try {
      if (!clause.beginLock(lock))
        throw new GavelError("ALREADY_LOCKED", "LK2: the clause is being locked or is locked");
      began = true;
      await clause.settled();
      const target = clause.name.name;
      const entry = await updateEntry(
        ctx.actor,
        index,
        command,
        (current) => ({ ...current, lock: unwrap(decideLock(ctx, current, command)).lock }),
        () => ({ lockEffect: { type: "lock", target } }),
      );
      if (entry.lock) clause.confirmLock(entry.lock);
      return entry;
    } catch (error) {
      // A failed append may be stored all the same (its reply lost), and the index has read it
      // back (DocumentHost.catchUpWithStore): the lock it lists holds, this one or an earlier
      // one read back just now, and the clause takes it (LK5).
      const now = entryOf(index.doc, command.clause);
      if (began && now?.lock) {
        clause.confirmLock(now.lock);
        if (sameLock(now.lock, lock)) return now;
      } else if (began) clause.abortLock(lock);
      throw error;
    } finally {
      this.registry.release(clause);
    }
  }

  private async unlock(
    ctx: RuleContext,
    session: string,
    index: DocumentHost,
    command: Extract<Command, { type: "unlock" }>,
  ) {
    // Role, reason and existence first (RO1, LK1, LK3), before the clause is loaded.
    unwrap(decideUnlock(ctx, requireEntry(index.doc, command.clause), command));
    const clause = await this.registry.acquire(clauseRef(session, command.section, command.clause));
    try {
      const target = clause.name.name;
      let reason = "";
      let entry: ClauseEntry;
      try {
        entry = await updateEntry(
          ctx.actor,
          index,
          command,
          (current) => {
            reason = unwrap(decideUnlock(ctx, current, command)).unlock.reason;
            return { ...current, lock: null };
          },
          () => ({ lockEffect: { type: "unlock", target } }),
        );
      } catch (error) {
        // Stored all the same (its reply lost) and read back into the index: the unlock holds.
        const now = entryOf(index.doc, command.clause);
        if (!reason || !now || now.lock !== null || clause.lockRecord === null) throw error;
        entry = now;
      }
      clause.confirmUnlock(ctx.now.name, ctx.now.at, reason);
      return entry;
    } finally {
      this.registry.release(clause);
    }
  }

  private figuresOf(session: string, section: string, clause: string) {
    return this.registry.withDocument(clauseRef(session, section, clause), (h) =>
      h.readDurable((doc) => h.layout.read(doc).figures),
    );
  }

  /**
   * Live figures (CS6): after an accepted edit of a clause, its bracket counts in the index
   * follow, and an agreement the edit re-bracketed goes back to open. False when the index
   * change was not stored (the store failed): the caller tries again.
   */
  async afterClauseEdit(clause: DocumentHost, editor: UpdateAuthor): Promise<boolean> {
    const index = this.registry.indexHostOf(clause);
    if (!index || clause.name.kind !== "clause") return true;
    const id = clause.name.clause;
    // Fast path, for the common keystroke that changes no bracket: with no index change pending,
    // the live index is current, so equal figures mean there is nothing to write.
    if (index.pendingServerChanges === 0) {
      const live = entryOf(index.doc, id);
      // No bracket touched since the figures were last read: they are the same, and only an
      // agreed, unlocked clause could still be reopened by the edit.
      if (!clause.takeBracketChange() && (!live || live.lock || live.consensus.state === "open")) return true;
      const figures = clause.layout.read(clause.doc).figures;
      if (
        !live ||
        (sameFigures(live.figures, figures) && consensusAfterEdit(live, figures, stampOfAuthor(editor)) === null)
      )
        return true;
    }
    const { outcome } = await index.applyServerChange(
      SERVER_AUTHOR,
      (doc) => {
        // Read inside the serialised change: the clause's text and the index as they are now,
        // so that two quick edits (bracket, then undo) can never leave a stale count.
        const entry = entryOf(doc, id);
        if (!entry) return;
        const figures = clause.layout.read(clause.doc).figures;
        const consensus = consensusAfterEdit(entry, figures, stampOfAuthor(editor));
        if (sameFigures(entry.figures, figures) && consensus === null) return; // nothing stored
        doc.getMap<ClauseEntry>(INDEX_CLAUSES).set(id, { ...entry, figures, consensus: consensus ?? entry.consensus });
      },
      () => ({
        command: JSON.stringify({ type: "figures", section: clause.name.section, clause: id, editor: editor.sub }),
      }),
    );
    return outcome.type !== "failed";
  }
}

function stampOfAuthor(author: UpdateAuthor) {
  return { sub: author.sub, name: author.name, at: new Date().toISOString() };
}

function sameFigures(a: ClauseEntry["figures"], b: ClauseEntry["figures"]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
