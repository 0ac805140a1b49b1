import { INDEX_META, type IndexedClause, readSectionIndex } from "@gavel/model";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import * as Y from "yjs";
import type { Room } from "./Room.ts";
import { Subscribable } from "./Subscribable.ts";

/** The clause under discussion, as the chair took it up (a server-written field of the index). */
export interface TakenUp {
  readonly clause: string;
  readonly name: string;
  readonly at: string;
}

export interface SectionSnapshot {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly IndexedClause[];
  readonly takenUp: TakenUp | null;
  /** False until the index's first sync: an empty list then means "not loaded", not "no clauses". */
  readonly synced: boolean;
}

function takenUpOf(doc: Y.Doc): TakenUp | null {
  const value: unknown = doc.getMap<unknown>(INDEX_META).get("takenUp");
  if (typeof value !== "object" || value === null) return null;
  const { clause, name, at } = value as Record<string, unknown>;
  return typeof clause === "string" && typeof name === "string" && typeof at === "string" ? { clause, name, at } : null;
}

/**
 * One section's index on the room's socket: clause order, numbers, states, locks and figures,
 * all written by the server. Every index is followed from the start, so the navigation's
 * figures are live without loading any clause.
 */
export class SectionIndex extends Subscribable<SectionSnapshot> {
  readonly doc = new Y.Doc();
  readonly provider: HocuspocusProvider;
  private synced = false;

  constructor(
    room: Room,
    readonly session: string,
    readonly id: string,
    title: string,
  ) {
    super({ id, title, clauses: [], takenUp: null, synced: false });
    this.provider = room.attach(`${session}/${id}`, this.doc, () => {});
    this.provider.on("synced", () => {
      this.synced = true;
      this.read();
    });
    this.doc.on("update", () => this.read());
  }

  private read(): void {
    const { title, clauses } = readSectionIndex(this.doc);
    this.publish({
      id: this.id,
      title: title || this.getSnapshot().title,
      clauses,
      takenUp: takenUpOf(this.doc),
      synced: this.synced,
    });
  }

  get awareness() {
    return this.provider.awareness;
  }
}
