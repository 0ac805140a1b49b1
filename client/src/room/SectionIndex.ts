import { type IndexedClause, readSectionIndex, type TakenUp } from "@gavel/model";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import * as Y from "yjs";
import type { Room } from "./Room.ts";
import { Subscribable } from "./Subscribable.ts";

export interface SectionSnapshot {
  readonly id: string;
  readonly title: string;
  readonly clauses: readonly IndexedClause[];
  readonly takenUp: TakenUp | null;
  /** False until the index's first sync: an empty list then means "not loaded", not "no clauses". */
  readonly synced: boolean;
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
    const { title, clauses, takenUp } = readSectionIndex(this.doc);
    this.publish({
      id: this.id,
      title: title || this.getSnapshot().title,
      clauses,
      takenUp,
      synced: this.synced,
    });
  }

  get awareness() {
    return this.provider.awareness;
  }
}
