import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import * as decoding from "lib0/decoding";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { clauseText, plainClient, typeInto } from "./support/clients.ts";
import { expectOneText, readClause } from "./support/readings.ts";
import { startTestServer, type TestServer, waitUntil } from "./support/server.ts";

const CLAUSE = "demo/implementation/c3";

/** A `ws` WebSocket that records every frame its stock provider sends, in order. */
function recordingSocket(sent: Uint8Array[]) {
  return class RecordingWebSocket extends WebSocket {
    override send(data: Parameters<WebSocket["send"]>[0], ...rest: unknown[]): void {
      sent.push(new Uint8Array(data as ArrayBufferLike));
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }
  };
}

/** The first clock of an update's first struct of `client`, or null. */
function firstClock(update: Uint8Array, client: number): number | null {
  const struct = Y.decodeUpdate(update).structs.find((s) => s.id.client === client);
  return struct ? struct.id.clock : null;
}

async function pendingVerdicts(t: TestServer): Promise<number> {
  const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
  return Number(/gavel_updates_total\{outcome="pending"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

/**
 * Issue 8: does a stock provider that reconnects with offline edits send a keystroke before the
 * edits it builds on? These tests find out (they assert the order the provider sent), and show
 * that the server holds such an update back instead of refusing it or storing it pending.
 */
describe("offline edits, then a keystroke as the socket reopens", () => {
  it("y-websocket sends the keystroke before its sync step 2; the server holds it, then stores everything", async () => {
    const t = await startTestServer();
    const sent: Uint8Array[] = [];
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${t.wsUrl}/y`, CLAUSE, doc, {
      params: { token: await t.token("delegate") },
      WebSocketPolyfill: recordingSocket(sent) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    onTestFinished(() => provider.destroy());
    await waitUntil(() => provider.synced, "provider synced");
    provider.disconnect();
    const closes: number[] = [];
    provider.on("connection-close", (event: CloseEvent | null) => closes.push(event?.code ?? 0));
    typeInto(doc, "q1z ");
    provider.on("status", ({ status }: { status: string }) => {
      // A keystroke in the moment the socket reopens, before any answer from the server (on
      // loopback the server's step 1 can arrive with the upgrade: the window is this handler).
      if (status === "connected") typeInto(doc, "q2z ");
    });
    const reconnected = sent.length;
    provider.connect();
    const watcher = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => clauseText(watcher.doc).includes("q2z") && clauseText(watcher.doc).includes("q1z"), "both");

    // The finding: after the reopen, an update (0, 2) went out before the step 2 (0, 1).
    const after = sent.slice(reconnected).map((f) => `${f[0]},${f[1]}`);
    const update = after.indexOf("0,2");
    const step2 = after.indexOf("0,1");
    expect(update).toBeGreaterThanOrEqual(0);
    expect(step2).toBeGreaterThan(update);
    expect(await pendingVerdicts(t)).toBeGreaterThan(0);
    expect(closes).toEqual([]);
    expect(clauseText(watcher.doc)).toBe(clauseText(doc));
    expectOneText(await readClause(t, CLAUSE, await t.token("chair")), "after the reconnect");
  });

  it("Hocuspocus sends the keystroke before its queued offline edits; the server holds it, then stores everything", async () => {
    const t = await startTestServer();
    const token = await t.token("delegate");
    const sent: Uint8Array[] = [];
    const socket = new HocuspocusProviderWebsocket({
      url: `${t.wsUrl}/collab?token=${encodeURIComponent(token)}`,
      WebSocketPolyfill: recordingSocket(sent) as unknown as typeof globalThis.WebSocket,
    });
    onTestFinished(() => socket.destroy());
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: CLAUSE, token });
    provider.attach();
    onTestFinished(() => provider.destroy());
    await waitUntil(() => provider.synced && provider.unsyncedChanges === 0, "provider synced");
    const doc = provider.document;
    const refusals: string[] = [];
    provider.on("authenticationFailed", ({ reason }: { reason: string }) => refusals.push(reason));

    socket.disconnect();
    await waitUntil(() => socket.status === "disconnected", "disconnected");
    typeInto(doc, "q3z ");
    socket.on("status", ({ status }: { status: string }) => {
      if (status === "connected") setImmediate(() => typeInto(doc, "q4z "));
    });
    const reconnected = sent.length;
    void socket.connect();
    await waitUntil(() => provider.synced && provider.unsyncedChanges === 0, "resynced", 15_000);
    const watcher = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => clauseText(watcher.doc) === clauseText(doc), "the watcher sees both edits");

    // The finding: the keystroke's update (a later clock) went out before the offline edit's.
    const clocks = sent
      .slice(reconnected)
      .flatMap((f) => {
        const decoder = decoding.createDecoder(f);
        if (decoding.readVarString(decoder) !== CLAUSE || decoding.readVarUint(decoder) !== 0) return [];
        if (decoding.readVarUint(decoder) !== 2) return [];
        return [firstClock(decoding.readVarUint8Array(decoder), doc.clientID)];
      })
      .filter((c): c is number => c !== null);
    expect(clocks.length).toBeGreaterThanOrEqual(2);
    expect(clocks[0]).toBeGreaterThan(Math.min(...clocks));
    expect(await pendingVerdicts(t)).toBeGreaterThan(0);
    expect(refusals).toEqual([]);
    expect(clauseText(doc)).toContain("q3z");
    expect(clauseText(doc)).toContain("q4z");
    expectOneText(await readClause(t, CLAUSE, await t.token("chair")), "after the reconnect");
  });
});
