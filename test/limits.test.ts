import { CloseCode, encodePlain } from "@gavel/protocol";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { rawSocket } from "./support/rawClient.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

const CLAUSE = "demo/resolutions-recommendations/c1";

describe("connection limits", () => {
  it("a client that stops reading is closed as a slow consumer instead of growing server memory", async () => {
    const t = await startTestServer({ env: { MAX_BUFFERED_BYTES: "65536", MAX_FRAMES_PER_SECOND: "100000" } });
    const reader = await rawSocket(`${t.wsUrl}/y/${CLAUSE}?token=${await t.token("observer")}`);
    await waitUntil(() => reader.frames.length > 0, "reader got its first sync message");
    reader.ws.pause();

    const writer = await rawSocket(`${t.wsUrl}/y/${CLAUSE}?token=${await t.token("delegate")}`);
    const doc = new Y.Doc();
    const text = doc.getText("bulk");
    const chunk = "x".repeat(50_000);
    const closesOf = async (code: number) => {
      const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
      const match = new RegExp(`gavel_connection_closes_total\\{code="${code}"\\} (\\d+)`).exec(metrics);
      return Number(match?.[1] ?? 0);
    };
    // Bounded: at most 2,000 updates of 50 kB (100 MB), stopping as soon as the server acts.
    for (let i = 0; i < 2000 && (await closesOf(CloseCode.slowConsumer)) === 0; i++) {
      const before = Y.encodeStateVector(doc);
      text.insert(0, chunk);
      writer.ws.send(encodePlain.sync({ type: "update", update: Y.encodeStateAsUpdate(doc, before) }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntilAsync(async () => (await closesOf(CloseCode.slowConsumer)) === 1, "slow consumer closed");
    expect(writer.closed()).toBeNull();
    reader.ws.resume();
    await waitUntil(() => reader.closed() !== null, "reader sees its connection end", 15_000);
    expect([CloseCode.slowConsumer, 1006]).toContain(reader.closed()?.code);
  });

  it("a client that floods frames is closed with the rate-limit code", async () => {
    const t = await startTestServer({ env: { MAX_FRAMES_PER_SECOND: "50" } });
    const client = await rawSocket(`${t.wsUrl}/y/${CLAUSE}?token=${await t.token("delegate")}`);
    const query = Uint8Array.of(3);
    for (let i = 0; i < 500 && client.ws.readyState === client.ws.OPEN; i++) client.ws.send(query);
    await waitUntil(() => client.closed() !== null, "closed");
    expect(client.closed()?.code).toBe(CloseCode.rateLimited);
  });
});
