import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import type { Identity } from "./identity.ts";

export type ConnectionState = "connecting" | "online" | "offline";

/** A notice the server sent about a document (docs/PROTOCOL.md). */
export type Notice =
  | { type: "refused"; doc: string; code: string; reason: string }
  | { type: "locked"; doc: string; by: string; at: string; reason: string | null }
  | { type: "unlocked"; doc: string; by: string; at: string; reason: string }
  | { type: "commandResult"; id: string | null; ok: boolean };

/**
 * The one multiplexed socket of the room, and every document attached to it. Tracks the
 * connection and whether every local edit is acknowledged (stored) by the server.
 */
export class Room {
  readonly socket: HocuspocusProviderWebsocket;
  private readonly providers = new Set<HocuspocusProvider>();
  private readonly listeners = new Set<() => void>();
  state: ConnectionState = "connecting";

  constructor(readonly identity: Identity) {
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
    this.socket.on("maxAttemptsFailed", () => {
      this.state = "offline";
      this.changed();
    });
    this.socket.on("status", ({ status }: { status: string }) => {
      this.state = status === "connected" ? "online" : status === "connecting" ? "connecting" : "offline";
      this.changed();
    });
  }

  /** Opens a document on the room's socket; `onNotice` gets its stateless notices. */
  attach(name: string, document: import("yjs").Doc, onNotice: (notice: Notice) => void): HocuspocusProvider {
    const provider = new HocuspocusProvider({
      websocketProvider: this.socket,
      name,
      document,
      token: this.identity.token,
    });
    provider.on("unsyncedChanges", () => this.changed());
    provider.on("synced", () => this.changed());
    provider.on("stateless", ({ payload }: { payload: string }) => {
      try {
        onNotice(JSON.parse(payload) as Notice);
      } catch {
        // not a notice of ours
      }
    });
    provider.attach();
    this.providers.add(provider);
    this.changed();
    return provider;
  }

  detach(provider: HocuspocusProvider): void {
    this.providers.delete(provider);
    provider.destroy();
    this.changed();
  }

  /** Every local edit has been acknowledged by the server, i.e. stored. */
  get saved(): boolean {
    for (const provider of this.providers) if (provider.hasUnsyncedChanges) return false;
    return true;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
