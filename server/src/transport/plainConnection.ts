import type { Actor, DocName } from "@gavel/model";
import { CloseCode, decodePlainFrame, encodePlain, MalformedFrameError, type PlainInbound } from "@gavel/protocol";
import type { WebSocket } from "ws";
import * as Y from "yjs";
import type { DocSubscriber, DocumentHost, WriteOutcome } from "../core/DocumentHost.ts";
import type { DocumentRegistry } from "../core/DocumentRegistry.ts";
import { toBytes } from "./bytes.ts";
import type { SocketGuard } from "./SocketGuard.ts";

/** Frames that may wait while the document loads; more closes the connection. */
const MAX_EARLY = 64;

/**
 * The plain y-websocket endpoint: one document per connection, as a stock
 * `WebsocketProvider` expects. Listeners are attached before the document loads; frames that
 * arrive meanwhile wait in order.
 */
export function attachPlainConnection(
  ws: WebSocket,
  guard: SocketGuard,
  actor: Actor,
  name: DocName,
  registry: DocumentRegistry,
  log: (message: string, error?: unknown) => void,
): void {
  let host: DocumentHost | null = null;
  let closed = false;
  const early: Uint8Array[] = [];

  const subscriber: DocSubscriber = {
    actor,
    sendUpdate: (update) => guard.send(encodePlain.sync({ type: "update", update })),
    sendAwareness: (update) => guard.send(encodePlain.awareness(update)),
    documentLost: () => guard.close(CloseCode.internalError, "document reloaded; reconnect"),
    // y-websocket has no notice channel: a lock is told as y-protocols permission-denied.
    notify: (notice) => {
      if (notice.type === "locked")
        guard.send(encodePlain.permissionDenied(`LOCKED: locked by ${notice.by} at ${notice.at}`));
    },
  };

  const handle = (h: DocumentHost, message: PlainInbound): void => {
    switch (message.type) {
      case "syncStep1":
        guard.send(encodePlain.sync({ type: "syncStep2", update: Y.encodeStateAsUpdate(h.doc, message.stateVector) }));
        return;
      case "syncStep2":
      case "update":
        void h.receiveUpdate(subscriber, message.update, message.type === "syncStep2").then(answer);
        return;
      case "awareness":
        h.presence.receive(subscriber, message.update);
        return;
      case "queryAwareness": {
        const states = h.presence.visibleTo(subscriber);
        if (states) guard.send(encodePlain.awareness(states));
        return;
      }
    }
  };

  const answer = (outcome: WriteOutcome): void => {
    switch (outcome.type) {
      case "applied":
      case "unchanged":
        return;
      case "refused":
        guard.send(encodePlain.permissionDenied(`${outcome.code}: ${outcome.reason}`));
        return;
      case "invalid":
        guard.close(CloseCode.invalidUpdate, outcome.reason);
        return;
      case "failed":
        guard.close(CloseCode.internalError, outcome.reason);
        return;
    }
  };

  const dispatch = (data: Uint8Array): void => {
    if (!host) {
      if (early.length >= MAX_EARLY) {
        guard.close(CloseCode.forbidden, "too many frames before the document loaded");
        return;
      }
      early.push(data);
      return;
    }
    try {
      handle(host, decodePlainFrame(data));
    } catch (error) {
      const reason = error instanceof MalformedFrameError ? error.message : "malformed frame";
      guard.close(CloseCode.malformedFrame, reason);
    }
  };

  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      guard.close(CloseCode.malformedFrame, "text frames are not part of the protocol");
      return;
    }
    if (guard.admit()) dispatch(toBytes(data));
  });
  ws.on("close", () => {
    closed = true;
    if (host) {
      host.unsubscribe(subscriber);
      registry.release(host);
    }
  });

  registry.acquire(name).then(
    (h) => {
      if (closed) {
        registry.release(h);
        return;
      }
      host = h;
      h.subscribe(subscriber);
      guard.send(encodePlain.sync({ type: "syncStep1", stateVector: Y.encodeStateVector(h.doc) }));
      const states = h.presence.visibleTo(subscriber);
      if (states) guard.send(encodePlain.awareness(states));
      for (const data of early.splice(0)) dispatch(data);
    },
    (error: unknown) => {
      log(`loading ${name.name} failed`, error);
      guard.close(CloseCode.internalError, "document could not be loaded");
    },
  );
}
