import type { Actor, DocName } from "@gavel/model";
import { CloseCode, decodePlainFrame, encodePlain, MalformedFrameError, type PlainInbound } from "@gavel/protocol";
import type { WebSocket } from "ws";
import * as Y from "yjs";
import type { DocSubscriber, DocumentHost, WriteOutcome } from "../core/DocumentHost.ts";
import type { DocumentRegistry } from "../core/DocumentRegistry.ts";
import type { SharedFrames } from "../core/SharedFrames.ts";
import { UpdateIntake } from "../core/UpdateIntake.ts";
import { GavelError } from "../errors.ts";
import { toBytes } from "./bytes.ts";
import type { SocketGuard } from "./SocketGuard.ts";

/** A sync step 1 with an empty state vector: a client that has nothing of the document yet. */
function isNewcomerStep1(data: Uint8Array): boolean {
  try {
    const message = decodePlainFrame(data);
    return message.type === "syncStep1" && message.stateVector.length === 1 && message.stateVector[0] === 0;
  } catch {
    return false; // answered as malformed when dispatched
  }
}

const updateFrame = (update: Uint8Array) => encodePlain.sync({ type: "update", update });
const step2Frame = (update: Uint8Array) => encodePlain.sync({ type: "syncStep2", update });

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
  /** Seconds from a sync step 1 arriving to its answer sent. */
  observeSyncAnswer: (seconds: number) => void = () => {},
): void {
  let host: DocumentHost | null = null;
  let intake: UpdateIntake | null = null;
  let closed = false;
  const early: { readonly data: Uint8Array; readonly at: number }[] = [];

  const subscriber: DocSubscriber = {
    actor,
    sendUpdate: (_update, frames) => guard.send(frames.frame("plain", updateFrame)),
    sendAwareness: (_update, frames) => guard.send(frames.frame("plain-awareness", encodePlain.awareness)),
    // After the answers already on their way (a write another node's lock refused says so first).
    documentLost: () => setImmediate(() => guard.close(CloseCode.internalError, "document reloaded; reconnect")),
    // y-websocket has no notice channel: a lock is told as y-protocols permission-denied.
    notify: (notice) => {
      if (notice.type === "locked")
        guard.send(encodePlain.permissionDenied(`LOCKED: locked by ${notice.by} at ${notice.at}`));
    },
  };

  const handle = (h: DocumentHost, updates: UpdateIntake, message: PlainInbound, at: number): void => {
    switch (message.type) {
      case "syncStep1":
        // Sent once every update it holds is durable (DocumentHost.readDurable).
        h.syncAnswer(message.stateVector).then(
          (answer) => {
            guard.send(answer.frame("plain", step2Frame));
            observeSyncAnswer((performance.now() - at) / 1000);
          },
          () => {}, // the copy was dropped: its subscribers are told to reconnect
        );
        return;
      case "syncStep2":
      case "update":
        updates.receive(message.update, message.type);
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
      case "pending": // the intake answers pending updates as invalid; never reached
        guard.close(CloseCode.invalidUpdate, outcome.reason);
        return;
      case "failed":
        guard.close(CloseCode.internalError, outcome.reason);
        return;
    }
  };

  // A newcomer's sync step 1 that arrives while a cold clause loads is answered with the stored
  // snapshot before the replay (DocumentRegistry.whenColdState); it is not answered again.
  let coldState: SharedFrames | null = null;
  let earlyStep1: { readonly data: Uint8Array; readonly at: number } | null = null;
  const answerCold = (state: SharedFrames, step1: { readonly data: Uint8Array; readonly at: number }) => {
    guard.send(state.frame("plain", step2Frame));
    observeSyncAnswer((performance.now() - step1.at) / 1000);
    const i = early.indexOf(step1);
    if (i >= 0) early.splice(i, 1);
  };

  const dispatch = (data: Uint8Array, at: number): void => {
    if (!host || !intake) {
      if (early.length >= MAX_EARLY) {
        guard.close(CloseCode.forbidden, "too many frames before the document loaded");
        return;
      }
      const frame = { data, at };
      early.push(frame);
      if (earlyStep1 === null && isNewcomerStep1(data)) {
        earlyStep1 = frame;
        if (coldState) answerCold(coldState, frame);
      }
      return;
    }
    try {
      handle(host, intake, decodePlainFrame(data), at);
    } catch (error) {
      if (error instanceof MalformedFrameError) {
        guard.close(CloseCode.malformedFrame, error.message);
        return;
      }
      // Not the client's fault (e.g. encoding the document failed): never blamed on it.
      log(`answering on ${name.name} failed`, error);
      guard.close(CloseCode.internalError, "internal error; reconnect");
    }
  };

  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      guard.close(CloseCode.malformedFrame, "text frames are not part of the protocol");
      return;
    }
    if (guard.admit()) dispatch(toBytes(data), performance.now());
  });
  ws.on("close", () => {
    closed = true;
    intake?.close();
    if (host) {
      host.unsubscribe(subscriber);
      registry.release(host);
    }
  });

  const acquiring = registry.acquire(name);
  registry.whenColdState(name.name, (state) => {
    coldState = state;
    if (earlyStep1 && !closed) answerCold(state, earlyStep1);
  });
  acquiring.then(
    (h) => {
      if (closed) {
        registry.release(h);
        return;
      }
      host = h;
      intake = new UpdateIntake(h, subscriber, answer);
      h.subscribe(subscriber);
      guard.send(encodePlain.sync({ type: "syncStep1", stateVector: Y.encodeStateVector(h.doc) }));
      const states = h.presence.visibleTo(subscriber);
      if (states) guard.send(encodePlain.awareness(states));
      for (const { data, at } of early.splice(0)) dispatch(data, at);
    },
    (error: unknown) => {
      // A store outage is retryable: 1011 makes stock providers reconnect, and sync once it is back.
      const outage = error instanceof GavelError && error.code === "STORE_UNAVAILABLE";
      log(`loading ${name.name} failed`, error);
      guard.close(
        CloseCode.internalError,
        outage ? "the store is unavailable; reconnect" : "document could not be loaded",
      );
    },
  );
}
