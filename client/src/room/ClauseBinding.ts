import type { HocuspocusProvider } from "@hocuspocus/provider";
import * as Y from "yjs";
import type { Notice, Room } from "./Room.ts";
import { Subscribable } from "./Subscribable.ts";

/** One generation of a clause's local copy: a Y.Doc and its provider on the room's socket. */
export interface ClauseCopy {
  readonly generation: number;
  readonly doc: Y.Doc;
  readonly provider: HocuspocusProvider;
}

export type ClauseNotice = Extract<Notice, { type: "locked" | "unlocked" | "refused" }>;

/**
 * A clause's document on this page. A `locked` or `refused` notice means the local copy may hold
 * edits the server will never take: the copy is replaced by a fresh one synced from the server
 * (PROTOCOL.md), and the editor on top of it is re-created for the new generation.
 */
export class ClauseBinding extends Subscribable<ClauseCopy> {
  private destroyed = false;
  private readonly relay: (notice: Notice) => void;

  constructor(
    private readonly room: Room,
    readonly docName: string,
    private readonly onNotice: (notice: ClauseNotice) => void,
    private readonly silent: boolean,
  ) {
    // The first copy's notices must reach `receive`, which exists only once super() has run.
    const relay = { to: (_notice: Notice): void => {} };
    super(openCopy(room, docName, 0, (notice) => relay.to(notice), silent));
    relay.to = (notice) => this.receive(notice);
    this.relay = relay.to;
  }

  private receive(notice: Notice): void {
    if (this.destroyed || notice.type === "commandResult") return;
    if (notice.type === "locked" || notice.type === "refused") this.reset();
    this.onNotice(notice);
  }

  /** Drops the local copy (and anything the server refused) and syncs a fresh one. */
  reset(): void {
    if (this.destroyed) return;
    const old = this.getSnapshot();
    this.room.detach(old.provider);
    old.doc.destroy();
    this.publish(openCopy(this.room, this.docName, old.generation + 1, this.relay, this.silent));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const { doc, provider } = this.getSnapshot();
    this.room.detach(provider);
    doc.destroy();
  }
}

function openCopy(
  room: Room,
  docName: string,
  generation: number,
  receive: (notice: Notice) => void,
  silent: boolean,
): ClauseCopy {
  const doc = new Y.Doc();
  const provider = room.attach(docName, doc, receive);
  // Observers and the projector show no caret and announce none.
  if (silent) provider.awareness?.setLocalState(null);
  return { generation, doc, provider };
}
