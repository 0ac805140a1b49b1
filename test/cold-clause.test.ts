import { join } from "node:path";
import { encodePlain } from "@gavel/protocol";
import { openSqliteStore, type Store } from "@gavel/server";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import { clauseText, plainClient, typeInto } from "./support/clients.ts";
import { rawSocket } from "./support/rawClient.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

/** The sync message type of a plain frame (0 step 1, 1 step 2), else null. */
function syncType(frame: Uint8Array): number | null {
  const d = decoding.createDecoder(frame);
  return decoding.readVarUint(d) === 0 ? decoding.readVarUint(d) : null;
}

/** The update of a plain sync step 2 frame, else null. */
function step2Of(frame: Uint8Array): Uint8Array | null {
  const d = decoding.createDecoder(frame);
  if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return null;
  return decoding.readVarUint8Array(d);
}

/** The real SQLite store, whose loads of `slow` wait while held (the test sends its step 1 meanwhile). */
function slowLoads(dir: string, slow: string): { store: Store; hold(): void; release(): void } {
  const inner = openSqliteStore({ file: join(dir, "gavel.sqlite") });
  let gate: Promise<void> | null = null;
  let open = () => {};
  const store: Store = {
    ...inner,
    load: async (doc) => {
      if (gate && doc === slow) await gate;
      return inner.load(doc);
    },
  };
  const hold = () => {
    gate = new Promise((resolve) => {
      open = resolve;
    });
  };
  const release = () => {
    gate = null;
    open();
  };
  return { store, hold, release };
}

describe("a cold clause", () => {
  it("answers a newcomer's sync step 1 with its stored snapshot bytes, before decoding them", async () => {
    const dataDir = tempDir("gavel-cold-");
    const doc = "demo/implementation/c2";
    const slow = slowLoads(dataDir, doc);
    const t = await startTestServer({ env: { UNLOAD_AFTER_MS: "0" }, store: slow.store, dataDir });
    const writer = plainClient(t.wsUrl, doc, await t.token("delegate"));
    await waitUntil(() => writer.provider.synced, "the writer synced");
    typeInto(writer.doc, "Typed before the unload. ");
    const text = clauseText(writer.doc);
    await waitUntilAsync(async () => (await t.store.history(doc)).length > 1, "the edit stored");
    writer.provider.destroy();
    // Unloaded with a snapshot: nothing follows it in the store.
    await waitUntil(() => !t.server.registry.isLoaded(doc), "the clause unloaded");
    const log = await t.store.load(doc);
    expect(log.updates).toEqual([]);
    expect(log.snapshot).not.toBeNull();

    slow.hold();
    const { ws, frames } = await rawSocket(`${t.wsUrl}/y/${doc}?token=${await t.token("observer")}`);
    ws.send(encodePlain.sync({ type: "syncStep1", stateVector: Uint8Array.of(0) }));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the step 1 reaches the server while it loads
    slow.release();
    await waitUntil(() => frames.some((f) => syncType(f) === 0), "the server's sync step 1");
    // The answer went out before the server's own step 1, which follows the replay.
    const types = frames.map(syncType).filter((type) => type !== null);
    expect(types.slice(0, 2)).toEqual([1, 0]);
    expect(frames.map(step2Of).find((u) => u !== null)).toEqual(log.snapshot);

    // And the clause works on as before once loaded.
    const reader = plainClient(t.wsUrl, doc, await t.token("observer"));
    await waitUntil(() => reader.provider.synced, "a reader synced");
    expect(clauseText(reader.doc)).toBe(text);
  });
});
