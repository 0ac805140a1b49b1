import { encodeMultiplexed, encodePlain } from "@gavel/protocol";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { onTestFinished } from "vitest";
import WebSocket from "ws";

/** What the server did with one update a raw peer sent. */
export type SendOutcome =
  /** Multiplexed: SyncStatus(1). Plain (no acknowledgements): the probe after it was answered. */
  | "accepted"
  /** Multiplexed: SyncStatus(0); plain: a permission-denied message. */
  | "refused"
  /** The server closed the connection with this code. */
  | { readonly closed: number };

/**
 * A hand-driven client on either endpoint, for updates no stock provider would send. It has
 * finished its sync (sent its step 2) once `open` resolves, unless `syncFirst` is false.
 */
export interface RawPeer {
  send(update: Uint8Array, kind?: "update" | "syncStep2"): Promise<SendOutcome>;
  /** Sends without waiting for any answer. */
  post(update: Uint8Array, kind?: "update" | "syncStep2"): void;
  readonly closeCode: () => number | null;
  close(): void;
}

const TIMEOUT_MS = 10_000;

class Frames {
  readonly received: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  closeCode: number | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      this.received.push(new Uint8Array(data));
      this.wake();
    });
    ws.on("close", (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on("error", () => {});
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until `match` finds something among the frames from `from` on, or the socket closes. */
  async until<T>(from: number, match: (frame: Uint8Array) => T | null): Promise<T | { closed: number }> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (let seen = from; ; ) {
      for (; seen < this.received.length; seen++) {
        const found = match(this.received[seen] ?? new Uint8Array());
        if (found !== null) return found;
      }
      if (this.closeCode !== null) return { closed: this.closeCode };
      if (Date.now() > deadline) throw new Error("no answer from the server within 10 s");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100).unref();
      });
    }
  }
}

async function opened(url: string): Promise<Frames> {
  const ws = new WebSocket(url);
  onTestFinished(() => ws.terminate());
  const frames = new Frames(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return frames;
}

/** Plain endpoint: no acknowledgements, so each send is followed by a sync step 1 probe. */
export async function plainPeer(wsUrl: string, doc: string, token: string, syncFirst = true): Promise<RawPeer> {
  const frames = await opened(`${wsUrl}/y/${doc}?token=${encodeURIComponent(token)}`);
  await frames.until(0, (f) => (f[0] === 0 && f[1] === 0 ? true : null));
  const frame = (update: Uint8Array, kind: "update" | "syncStep2") =>
    encodePlain.sync(kind === "update" ? { type: "update", update } : { type: "syncStep2", update });
  const probe = encodePlain.sync({ type: "syncStep1", stateVector: new Uint8Array([0]) });
  const peer: RawPeer = {
    async send(update, kind = "update") {
      const from = frames.received.length;
      frames.ws.send(frame(update, kind));
      // Two probes: frames of one TCP read are handled in one go, so the first probe may be
      // answered before the update's outcome; the second is sent only after that answer arrived.
      for (let probes = 0; ; probes++) {
        const mark = frames.received.length;
        frames.ws.send(probe);
        const found = await frames.until(mark, (f) => (f[0] === 0 && f[1] === 1 ? ("answered" as const) : null));
        if (found !== "answered") return found;
        if (probes === 1) break;
      }
      return frames.received.slice(from).some((f) => f[0] === 2) ? "refused" : "accepted";
    },
    post: (update, kind = "update") => frames.ws.send(frame(update, kind)),
    closeCode: () => frames.closeCode,
    close: () => frames.ws.close(),
  };
  if (syncFirst) peer.post(new Uint8Array([0, 0]), "syncStep2");
  return peer;
}

function authFrame(doc: string, token: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint(e, 0);
  encoding.writeVarString(e, token);
  return encoding.toUint8Array(e);
}

/** The type of a multiplexed frame for `doc` and the decoder after it; null for other frames. */
function muxFrame(doc: string, frame: Uint8Array): { type: number; decoder: decoding.Decoder } | null {
  try {
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarString(decoder) !== doc) return null;
    return { type: decoding.readVarUint(decoder), decoder };
  } catch {
    return null;
  }
}

/** Multiplexed endpoint: authenticates one document; every update is answered with SyncStatus. */
export async function muxPeer(wsUrl: string, doc: string, token: string, syncFirst = true): Promise<RawPeer> {
  const frames = await opened(`${wsUrl}/collab?token=${encodeURIComponent(token)}`);
  frames.ws.send(authFrame(doc, token));
  const auth = await frames.until(0, (f) => {
    const m = muxFrame(doc, f);
    return m?.type === 2 ? decoding.readVarUint(m.decoder) : null;
  });
  if (auth !== 2) throw new Error(`document ${doc} not authenticated: ${JSON.stringify(auth)}`);
  const frame = (update: Uint8Array, kind: "update" | "syncStep2") =>
    encodeMultiplexed.sync(doc, kind === "update" ? { type: "update", update } : { type: "syncStep2", update });
  const peer: RawPeer = {
    async send(update, kind = "update") {
      const from = frames.received.length;
      frames.ws.send(frame(update, kind));
      return frames.until(from, (f) => {
        const m = muxFrame(doc, f);
        if (m?.type !== 8) return null;
        return decoding.readVarUint(m.decoder) === 1 ? ("accepted" as const) : ("refused" as const);
      });
    },
    post: (update, kind = "update") => frames.ws.send(frame(update, kind)),
    closeCode: () => frames.closeCode,
    close: () => frames.ws.close(),
  };
  if (syncFirst) {
    frames.ws.send(encodeMultiplexed.sync(doc, { type: "syncStep1", stateVector: new Uint8Array([0]) }));
    const answered = await peer.send(new Uint8Array([0, 0]), "syncStep2");
    if (answered !== "accepted") throw new Error(`sync of ${doc} not answered: ${JSON.stringify(answered)}`);
  }
  return peer;
}
