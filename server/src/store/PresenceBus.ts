/**
 * Presence between nodes: each node relays the awareness of its own subscribers, stamped with
 * their identities, to the other nodes that have the same document open. Presence is not
 * stored: a node that dies stops renewing its people's states, and every other node drops them
 * within the awareness timeout (30 s), as it does for a client that goes silent.
 */
export interface PresenceEntry {
  readonly clientId: number;
  readonly clock: number;
  /** Stamped by the node that holds the client's connection; null: the client left. */
  readonly state: Record<string, unknown> | null;
  /** An observer's presence reaches observers only, on every node. */
  readonly observer: boolean;
}

export interface PresenceMessage {
  /** The node that sent it (its own messages are never delivered back to it). */
  readonly node: string;
  /** Asks the other nodes for their states of the document (a node that just opened it). */
  readonly query?: true;
  readonly entries: readonly PresenceEntry[];
}

export interface PresenceChannel {
  publish(message: Omit<PresenceMessage, "node">): void;
  close(): void;
}

export interface PresenceBus {
  /** Joins the channel of `doc`; `receive` gets the other nodes' messages. */
  join(doc: string, receive: (message: PresenceMessage) => void): PresenceChannel;
  close(): Promise<void>;
}

/** Reads a message off the wire; null when it is not one (never trusted blindly). */
export function decodePresenceMessage(raw: string): PresenceMessage | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null) return null;
    const { node, query, entries } = parsed as Record<string, unknown>;
    if (typeof node !== "string" || !Array.isArray(entries)) return null;
    const valid = entries.filter(
      (e): e is PresenceEntry =>
        typeof e === "object" &&
        e !== null &&
        Number.isSafeInteger((e as PresenceEntry).clientId) &&
        Number.isSafeInteger((e as PresenceEntry).clock) &&
        typeof (e as PresenceEntry).observer === "boolean" &&
        (typeof (e as PresenceEntry).state === "object" || (e as PresenceEntry).state === null),
    );
    return { node, ...(query === true ? { query: true as const } : {}), entries: valid };
  } catch {
    return null;
  }
}
