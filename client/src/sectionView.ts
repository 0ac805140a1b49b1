import { type IndexedClause, readSectionIndex } from "@gavel/model";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import type * as Y from "yjs";
import { bracketTools } from "./bracketTools.ts";
import { type ClauseCommands, chairTools } from "./chairTools.ts";
import { ClauseEditor } from "./clauseEditor.ts";
import { button, el } from "./dom.ts";
import { canRestructure, canWrite, type Identity } from "./identity.ts";
import type { Room } from "./room.ts";

export interface SectionContext {
  readonly room: Room;
  readonly identity: Identity;
  readonly session: string;
  readonly commands: ClauseCommands;
  readonly sourceTitle: (id: string) => string;
  readonly notify: (message: string) => void;
  /** Projector and observers: the text only, never editable. */
  readonly readOnlyView: boolean;
}

interface Row {
  readonly element: HTMLElement;
  readonly editor: ClauseEditor;
  readonly header: HTMLElement;
  entry: IndexedClause;
}

const STATE_LABEL: Record<string, string> = { open: "open", agreed_ad_ref: "agreed ad ref.", agreed: "agreed" };

/**
 * A section: its clauses in the index's order, one small editor each. Re-renders the headers
 * when the index changes (state, lock, numbers, figures) and keeps each editor across renders.
 */
export class SectionView {
  readonly element = el("section", { class: "section-view" });
  private readonly list = el("div", { class: "clauses", role: "list" });
  private readonly rows = new Map<string, Row>();
  private title = "";

  constructor(
    private readonly ctx: SectionContext,
    readonly section: string,
    private readonly index: Y.Doc,
    private readonly indexProvider: HocuspocusProvider,
  ) {
    const heading = el("h2", { id: "section-title" });
    const tools =
      canRestructure(ctx.identity) && !ctx.readOnlyView
        ? [button("Renumber", "renumber", () => void ctx.commands.run({ type: "renumber", section }))]
        : [];
    this.element.append(heading, el("div", { class: "section-tools" }, ...tools), this.list);
    index.on("update", this.render);
    indexProvider.awareness?.on("change", this.renderPresence);
    this.render();
  }

  private readonly render = (): void => {
    const { title, clauses } = readSectionIndex(this.index);
    this.title = title;
    const heading = this.element.querySelector("#section-title");
    if (heading) heading.textContent = title;
    const seen = new Set<string>();
    for (const entry of clauses) {
      seen.add(entry.id);
      const row = this.rows.get(entry.id) ?? this.createRow(entry);
      row.entry = entry;
      this.renderHeader(row);
      row.editor.setLocked(entry.lock !== null);
      this.list.append(row.element); // appending an attached node moves it: keeps the order
    }
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue;
      row.editor.destroy();
      row.element.remove();
      this.rows.delete(id);
    }
    this.renderPresence();
    this.focusInserted();
  };

  private createRow(entry: IndexedClause): Row {
    const mount = el("div", { class: "clause-editor" });
    const header = el("header", { class: "clause-header" });
    const element = el("article", { class: "clause", role: "listitem", "data-clause": entry.id }, header, mount);
    const row: Row = { element, header, entry, editor: undefined as unknown as ClauseEditor };
    const editor = new ClauseEditor({
      room: this.ctx.room,
      docName: `${this.ctx.session}/${this.section}/${entry.id}`,
      label: () => row.entry.label,
      mount,
      sourceTitle: this.ctx.sourceTitle,
      onNotice: this.ctx.notify,
      readOnlyView: this.ctx.readOnlyView,
      onFocus: () => this.indexProvider.awareness?.setLocalStateField("clause", entry.id),
      keys: {
        previous: () => this.neighbour(entry.id, -1)?.editor.focus("end"),
        next: () => this.neighbour(entry.id, 1)?.editor.focus("start"),
        enterAtEnd: () => this.proposeAfter(entry.id),
        tools: () =>
          element
            .querySelector<HTMLElement>(".bracket-tools input, .chair-tools select, .clause-header button")
            ?.focus(),
      },
    });
    Object.assign(row, { editor });
    if (canWrite(this.ctx.identity) && !this.ctx.readOnlyView) {
      element.append(bracketTools(() => row.editor.editor, this.ctx.identity, this.ctx.notify));
    }
    if (canRestructure(this.ctx.identity) && !this.ctx.readOnlyView) {
      element.append(
        chairTools(
          this.ctx.identity,
          () => row.entry,
          this.section,
          this.ctx.commands,
          () => [...this.rows.keys()],
        ),
      );
    }
    this.rows.set(entry.id, row);
    return row;
  }

  private renderHeader(row: Row): void {
    const { entry } = row;
    const pending =
      entry.consensus.state === "agreed_ad_ref" ? ` (pending: ${entry.consensus.pending.join(", ")})` : "";
    const parts: (HTMLElement | string)[] = [
      el("span", { class: "number", "aria-label": `Clause ${entry.label}` }, entry.label),
      el(
        "span",
        { class: "state-badge", "data-state": entry.consensus.state },
        `${STATE_LABEL[entry.consensus.state] ?? entry.consensus.state}${pending}`,
      ),
    ];
    if (entry.lock) {
      const when = new Date(entry.lock.at).toLocaleString();
      parts.push(
        el(
          "span",
          { class: "lock-mark", title: entry.lock.reason ?? "" },
          `🔒 locked by ${entry.lock.name}, ${when}${entry.lock.reason ? ` — ${entry.lock.reason}` : ""}`,
        ),
      );
    }
    const open = entry.figures.openBrackets;
    parts.push(
      el(
        "span",
        { class: "clause-figures", "data-open-brackets": String(open) },
        open === 0 ? "no brackets" : `${open} open bracket${open === 1 ? "" : "s"}`,
      ),
    );
    const delegation = this.ctx.identity.delegation;
    if (
      entry.consensus.state === "agreed_ad_ref" &&
      delegation &&
      entry.consensus.pending.includes(delegation) &&
      !this.ctx.readOnlyView
    ) {
      parts.push(
        button(
          `Confirm for ${delegation}`,
          "confirm",
          () => void this.ctx.commands.run({ type: "confirm", section: this.section, clause: entry.id }),
        ),
      );
    }
    parts.push(el("span", { class: "present" }));
    row.header.replaceChildren(...parts);
    row.element.classList.toggle("locked", entry.lock !== null);
    row.element.setAttribute(
      "aria-label",
      `Clause ${entry.label}, ${entry.consensus.state}${entry.lock ? ", locked" : ""}`,
    );
  }

  /** Who is in which clause (from the index's presence), and where the chair is. */
  private readonly renderPresence = (): void => {
    const byClause = new Map<string, string[]>();
    let chairClause: string | null = null;
    for (const state of this.indexProvider.awareness?.getStates().values() ?? []) {
      const user = state.user as { name?: string; role?: string; delegation?: string | null } | undefined;
      const clause = typeof state.clause === "string" ? state.clause : null;
      if (!user?.name || !clause) continue;
      if (user.role === "chair") chairClause = clause;
      byClause.set(clause, [
        ...(byClause.get(clause) ?? []),
        user.delegation ? `${user.name} (${user.delegation})` : user.name,
      ]);
    }
    for (const [id, row] of this.rows) {
      const present = row.header.querySelector(".present");
      if (present) present.textContent = (byClause.get(id) ?? []).join(", ");
      row.element.classList.toggle("under-discussion", chairClause === id);
    }
    this.chairClause = chairClause;
    for (const listener of this.chairListeners) listener(chairClause);
  };

  chairClause: string | null = null;
  private readonly chairListeners = new Set<(clause: string | null) => void>();

  onChairMoves(listener: (clause: string | null) => void): void {
    this.chairListeners.add(listener);
  }

  scrollTo(clause: string): void {
    this.rows.get(clause)?.element.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  private neighbour(id: string, delta: number): Row | undefined {
    const ids = [...this.rows.keys()];
    const at = ids.indexOf(id);
    const next = ids[at + delta];
    return next === undefined ? undefined : this.rows.get(next);
  }

  /** Enter at the end of a clause: a new clause after it, focused with its text selected. */
  private proposeAfter(id: string): void {
    const text = this.ctx.identity.role === "delegate" ? "Proposed text" : "New clause";
    this.focusNew = { known: new Set(this.rows.keys()) };
    void this.ctx.commands.run({ type: "insertClause", section: this.section, after: id, text });
  }

  private focusNew: { known: Set<string> } | null = null;

  private focusInserted(): void {
    if (!this.focusNew) return;
    for (const [id, row] of this.rows) {
      if (this.focusNew.known.has(id)) continue;
      this.focusNew = null;
      // The clause's text arrives with its own sync: select it once it is there.
      setTimeout(() => row.editor.editor.chain().focus().selectAll().run(), 150);
      return;
    }
  }

  get sectionTitle(): string {
    return this.title;
  }

  destroy(): void {
    this.index.off("update", this.render);
    this.indexProvider.awareness?.off("change", this.renderPresence);
    for (const row of this.rows.values()) row.editor.destroy();
    this.rows.clear();
    this.element.remove();
  }
}
