import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import type * as Y from "yjs";
import type { Identity } from "../identity.ts";
import { Subscribable } from "./Subscribable.ts";

export type ConnectionState = "connecting" | "online" | "offline";

/** What the header shows: the socket, and whether every local edit is stored by the server. */
export interface RoomStatus {
  readonly connection: ConnectionState;
  readonly saved: boolean;
}

/** A notice the server sent about a document (docs/PROTOCOL.md). */
export type Notice =
  | { readonly type: "refused"; readonly doc: string; readonly code: string; readonly reason: string }
  | {
      readonly type: "locked";
      readonly doc: string;
      readonly by: string;
      readonly at: string;
      readonly reason: string | null;
    }
  | {
      readonly type: "unlocked";
      readonly doc: string;
      readonly by: string;
      readonly at: string;
      readonly reason: string;
    }
  | { readonly type: "commandResult"; readonly id: string | null; readonly ok: boolean };

function isNotice(value: unknown): value is Notice {
  return typeof value === "object" && value !== null && "type" in value && typeof value.type === "string";
}

/**
 * The one multiplexed socket of the room and every document attached to it. "Saved" is derived
 * from the providers' unsynced-change counts, which the server decrements only once it has
 * stored an edit (PROTOCOL.md, SyncStatus).
 */
export class Room extends Subscribable<RoomStatus> {
  readonly socket: HocuspocusProviderWebsocket;
  private readonly providers = new Set<HocuspocusProvider>();
  private connection: ConnectionState = "connecting";

  constructor(readonly identity: Identity) {
    super({ connection: "connecting", saved: true });
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new HocuspocusProviderWebsocket({
      url: `${scheme}://${location.host}/collab?token=${encodeURIComponent(identity.token)}`,
      // Keep retrying while the room is open, quickly at first (delay >= minDelay, or the
      // retry library refuses the options and the socket silently never connects).
      maxAttempts: 0,
      delay: 250,
      minDelay: 100,
      maxDelay: 5000,
    });
    this.socket.on("status", ({ status }: { status: string }) => {
      this.connection = status === "connected" ? "online" : status === "connecting" ? "connecting" : "offline";
      this.refresh();
    });
  }

  /** Opens a document on the room's socket; `onNotice` gets its stateless notices. */
  attach(name: string, document: Y.Doc, onNotice: (notice: Notice) => void): HocuspocusProvider {
    const provider = new HocuspocusProvider({
      websocketProvider: this.socket,
      name,
      document,
      token: this.identity.token,
    });
    provider.on("unsyncedChanges", () => this.refresh());
    provider.on("synced", () => this.refresh());
    provider.on("stateless", ({ payload }: { payload: string }) => {
      let notice: unknown;
      try {
        notice = JSON.parse(payload);
      } catch {
        return; // not a notice of ours
      }
      if (isNotice(notice)) onNotice(notice);
    });
    provider.attach();
    this.providers.add(provider);
    this.refresh();
    return provider;
  }

  detach(provider: HocuspocusProvider): void {
    this.providers.delete(provider);
    provider.destroy();
    this.refresh();
  }

  private refresh(): void {
    let saved = true;
    for (const provider of this.providers) if (provider.hasUnsyncedChanges) saved = false;
    const current = this.getSnapshot();
    if (current.connection !== this.connection || current.saved !== saved) {
      this.publish({ connection: this.connection, saved });
    }
  }

  destroy(): void {
    for (const provider of this.providers) provider.destroy();
    this.providers.clear();
    this.socket.destroy();
  }
}
