import { type Actor, authorize } from "@gavel/model";
import {
  CloseCode,
  type DocumentMessage,
  decodeInboundFrame,
  encodeMultiplexed,
  encodeNotice,
  MalformedFrameError,
} from "@gavel/protocol";
import type { WebSocket } from "ws";
import * as Y from "yjs";
import type { VerifiedToken } from "../auth/tokens.ts";
import type { CommandService } from "../core/CommandService.ts";
import type { DocSubscriber, DocumentHost, WriteOutcome } from "../core/DocumentHost.ts";
import type { DocumentRegistry } from "../core/DocumentRegistry.ts";
import type { SessionService } from "../core/SessionService.ts";
import { UpdateIntake } from "../core/UpdateIntake.ts";
import { GavelError } from "../errors.ts";
import { toBytes } from "./bytes.ts";
import { decodeCommandRequest, requestIdOf } from "./decodeCommand.ts";
import type { SocketGuard } from "./SocketGuard.ts";

/** One document on a multiplexed socket. */
type Channel =
  | { readonly state: "authenticating"; readonly queue: DocumentMessage[] }
  | {
      readonly state: "open";
      readonly host: DocumentHost;
      readonly subscriber: DocSubscriber;
      readonly intake: UpdateIntake;
    };

/**
 * Who the socket speaks for: proven at the upgrade by a URL token, or, on a tokenless socket
 * (the Hocuspocus way), by the first document whose Auth message carries a valid token. Every
 * later document's token must name the same identity.
 */
type Identity = { readonly state: "proven"; readonly actor: Actor } | { readonly state: "awaiting" };

export interface MultiplexedDeps {
  readonly registry: DocumentRegistry;
  readonly commands: CommandService;
  readonly sessions: SessionService;
  readonly verify: (token: string) => Promise<VerifiedToken>;
  readonly log: (message: string, error?: unknown) => void;
  readonly maxDocumentsPerSocket: number;
  readonly maxStatelessBytes: number;
  /** Called once, when the first document opens on the socket (a tokenless socket is then authenticated). */
  readonly onIdentified?: (token: VerifiedToken) => void;
}

/** Frames a document may queue while it authenticates; more closes the socket. */
const MAX_QUEUED = 64;

/**
 * The multiplexed endpoint: Hocuspocus framing (provider 4.x), many documents per socket,
 * authentication per document. `proven` is the identity proven at the upgrade, or null for a
 * tokenless socket, which the first valid document token identifies.
 */
export function attachMultiplexedConnection(
  ws: WebSocket,
  guard: SocketGuard,
  proven: Actor | null,
  deps: MultiplexedDeps,
): void {
  const channels = new Map<string, Channel>();
  let closed = false;
  let identity: Identity = proven ? { state: "proven", actor: proven } : { state: "awaiting" };
  let opened = false;

  /** The identity a document token proves: the socket's, or, for the first one, the socket's from now on. */
  const identify = (claimed: VerifiedToken): Actor => {
    if (identity.state === "awaiting") {
      identity = { state: "proven", actor: claimed.actor };
      return claimed.actor;
    }
    const { actor } = identity;
    if (
      claimed.actor.sub !== actor.sub ||
      claimed.actor.session !== actor.session ||
      claimed.actor.role !== actor.role
    ) {
      throw new GavelError("FORBIDDEN", "the document token names another identity than the connection's");
    }
    return actor;
  };

  const open = (address: string, host: DocumentHost, actor: Actor): Extract<Channel, { state: "open" }> => {
    const subscriber: DocSubscriber = {
      actor,
      sendUpdate: (_update, frames) =>
        guard.send(
          frames.frame(`update:${address}`, (update) => encodeMultiplexed.sync(address, { type: "update", update })),
        ),
      sendAwareness: (_update, frames) =>
        guard.send(frames.frame(`awareness:${address}`, (update) => encodeMultiplexed.awareness(address, update))),
      // After the answers already on their way (a write another node's lock refused says so first).
      documentLost: () => setImmediate(() => guard.close(CloseCode.internalError, "document reloaded; reconnect")),
      notify: (notice) => guard.send(encodeMultiplexed.stateless(address, encodeNotice(notice))),
    };
    // Answer only this channel: after a reset (close, then auth again under the same address)
    // a late answer must not reach the new document's provider.
    const intake = new UpdateIntake(host, subscriber, (outcome) => {
      if (channels.get(address) === channel) answer(address, outcome);
    });
    const channel: Extract<Channel, { state: "open" }> = { state: "open", host, subscriber, intake };
    host.subscribe(subscriber);
    return channel;
  };

  const authenticate = async (address: string, documentName: string, token: string): Promise<void> => {
    const queue: DocumentMessage[] = [];
    channels.set(address, { state: "authenticating", queue });
    try {
      const claimed = await deps.verify(token);
      const actor = identify(claimed);
      const name = await deps.sessions.resolveDocument(actor, documentName);
      const host = await deps.registry.acquire(name);
      if (closed) {
        deps.registry.release(host);
        return;
      }
      const writable = authorize(actor, { type: "write", doc: name.kind }).allowed;
      guard.send(encodeMultiplexed.authenticated(address, writable ? "read-write" : "readonly"));
      const channel = open(address, host, actor);
      channels.set(address, channel);
      // A tokenless socket counts as authenticated once a document is open on it.
      if (!opened) {
        opened = true;
        deps.onIdentified?.(claimed);
      }
      // Who is here already, as the plain endpoint tells on open: the stock provider does not ask
      // (QueryAwareness), so without this a newcomer sees nobody until each one's next update.
      const present = host.presence.visibleTo(channel.subscriber);
      if (present) guard.send(encodeMultiplexed.awareness(address, present));
      const queued = queue.splice(0);
      for (const [i, message] of queued.entries()) {
        safely(() => handle(address, channel, message));
        // A provider destroyed and created again at once under the same address (the room's reset
        // after a lock or a refusal): what follows the close belongs to the new one, Auth first.
        if (message.type === "close") {
          for (const next of queued.slice(i + 1)) safely(() => route(address, documentName, next));
          return;
        }
      }
    } catch (error) {
      channels.delete(address);
      if (error instanceof GavelError && error.code !== "STORE_UNAVAILABLE") {
        guard.send(encodeMultiplexed.permissionDenied(address, `${error.code}: ${error.message}`));
        return;
      }
      // Not the client's fault, and not final: a permission-denied would strand a stock
      // provider for good. Closing with 1011 makes it reconnect and sync once the store is back.
      deps.log(`authenticating ${documentName} failed`, error);
      guard.close(CloseCode.internalError, "the document could not be opened; reconnect");
    }
  };

  const handle = (address: string, channel: Channel, message: DocumentMessage): void => {
    if (channel.state === "authenticating") {
      if (channel.queue.length >= MAX_QUEUED) {
        guard.close(CloseCode.forbidden, "too many frames before authentication");
        return;
      }
      channel.queue.push(message);
      return;
    }
    const { host, subscriber } = channel;
    switch (message.type) {
      case "auth":
        return; // already authenticated (a provider re-created quickly); nothing to do
      case "syncStep1":
        // Sent once every update they hold is durable (DocumentHost.readDurable).
        host.syncAnswer(message.stateVector).then(
          (answer) => {
            if (channels.get(address) !== channel) return;
            const frame = answer.frame(`step2:${address}`, (update) =>
              encodeMultiplexed.sync(address, { type: "syncStep2", update }),
            );
            guard.send(frame);
            guard.send(
              encodeMultiplexed.sync(address, { type: "syncStep1", stateVector: Y.encodeStateVector(host.doc) }),
            );
          },
          () => {}, // the copy was dropped: its subscribers are told to reconnect
        );
        return;
      case "syncStep2":
      case "update":
        channel.intake.receive(message.update, message.type);
        return;
      case "awareness":
        host.presence.receive(subscriber, message.update);
        return;
      case "queryAwareness": {
        const states = host.presence.visibleTo(subscriber);
        if (states) guard.send(encodeMultiplexed.awareness(address, states));
        return;
      }
      case "stateless":
        void runCommand(address, host, subscriber.actor, message.payload);
        return;
      case "close":
        channel.intake.close();
        host.unsubscribe(subscriber);
        deps.registry.release(host);
        channels.delete(address);
        return;
    }
  };

  /** A command sent as a stateless message; answered with a commandResult notice. */
  const runCommand = async (address: string, host: DocumentHost, actor: Actor, payload: string): Promise<void> => {
    let id: string | null = null;
    try {
      id = requestIdOf(payload);
      const request = decodeCommandRequest(payload);
      const result = await deps.commands.execute(actor, host.name.session, request.command);
      guard.send(encodeMultiplexed.stateless(address, encodeNotice({ type: "commandResult", id, ok: true, result })));
    } catch (error) {
      const failure =
        error instanceof GavelError
          ? { code: error.code, message: error.message }
          : { code: "INTERNAL", message: "internal error" };
      if (!(error instanceof GavelError)) deps.log("command failed", error);
      guard.send(
        encodeMultiplexed.stateless(address, encodeNotice({ type: "commandResult", id, ok: false, error: failure })),
      );
    }
  };

  /** Sync-status "applied" goes out only after the update is in the store. */
  const answer = (address: string, outcome: WriteOutcome): void => {
    switch (outcome.type) {
      case "applied":
      case "unchanged":
        guard.send(encodeMultiplexed.syncStatus(address, true));
        return;
      case "refused": {
        const doc = address.split("\0")[0] ?? address;
        guard.send(encodeMultiplexed.syncStatus(address, false));
        guard.send(
          encodeMultiplexed.stateless(
            address,
            encodeNotice({ type: "refused", doc, code: outcome.code, reason: outcome.reason }),
          ),
        );
        return;
      }
      case "invalid":
      case "pending": // the intake answers pending updates as invalid; never reached
        guard.close(CloseCode.invalidUpdate, outcome.reason);
        return;
      case "failed":
        guard.close(CloseCode.internalError, outcome.reason);
        return;
    }
  };

  const receive = (data: Uint8Array): void => {
    const frame = decodeInboundFrame(data, deps.maxStatelessBytes);
    if (frame.type === "pong") return;
    route(frame.address, frame.documentName, frame.message);
  };

  /** A document's message: to its channel, or, for an Auth, to a new one. */
  const route = (address: string, documentName: string, message: DocumentMessage): void => {
    const channel = channels.get(address);
    if (channel) {
      handle(address, channel, message);
      return;
    }
    if (message.type === "auth") {
      if (channels.size >= deps.maxDocumentsPerSocket) {
        guard.close(CloseCode.forbidden, "too many documents on one socket");
        return;
      }
      void authenticate(address, documentName, message.token);
      return;
    }
    if (message.type !== "close") {
      guard.send(encodeMultiplexed.permissionDenied(address, "FORBIDDEN: authenticate this document first"));
    }
  };

  /**
   * Anything that cannot be decoded closes this connection (4400), never the process. Any other
   * failure is the server's (e.g. encoding a document): 1011, never blamed on the client.
   */
  const safely = (run: () => void): void => {
    try {
      run();
    } catch (error) {
      if (error instanceof MalformedFrameError) {
        guard.close(CloseCode.malformedFrame, error.message);
        return;
      }
      deps.log("answering a frame failed", error);
      guard.close(CloseCode.internalError, "internal error; reconnect");
    }
  };

  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      guard.close(CloseCode.malformedFrame, "text frames are not part of the protocol");
      return;
    }
    if (guard.admit()) safely(() => receive(toBytes(data)));
  });
  ws.on("close", () => {
    closed = true;
    for (const channel of channels.values()) {
      if (channel.state !== "open") continue;
      channel.intake.close();
      channel.host.unsubscribe(channel.subscriber);
      deps.registry.release(channel.host);
    }
    channels.clear();
  });
}
