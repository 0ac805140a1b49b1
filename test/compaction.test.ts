import { join } from "node:path";
import type { DocName } from "@gavel/model";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { DocSubscriber } from "../server/src/core/DocumentHost.ts";
import { clauseText, typeInto } from "./support/clients.ts";
import { gatedStore } from "./support/gatedStore.ts";
import { startTestServer, waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSE: DocName = {
  kind: "clause",
  name: "demo/implementation/c4",
  session: "demo",
  section: "implementation",
  clause: "c4",
};

/** A clause on a server over a gated SQLite store, one delegate writing to it from a client copy. */
async function gatedClause(env: Record<string, string>, sub: string) {
  const dataDir = tempDir("gavel-compaction-");
  const gated = gatedStore(openSqliteStore({ file: join(dataDir, "gavel.sqlite") }));
  const t = await startTestServer({ store: gated.store, dataDir, env });
  const host = await t.server.registry.acquire(CLAUSE);
  const writer: DocSubscriber = {
    actor: { sub, name: "D", role: "delegate", delegation: "AFR", session: "demo" },
    sendUpdate() {},
    sendAwareness() {},
    notify() {},
    documentLost() {},
  };
  host.subscribe(writer);
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(host.doc));
  /** The delegate types marker `i` and sends it. */
  const edit = (i: number) => {
    const before = Y.encodeStateVector(client);
    typeInto(client, `<${i}>`);
    return host.receiveUpdate(writer, Y.encodeStateAsUpdate(client, before), false);
  };
  return { t, gated, host, writer, client, edit };
}

describe("compaction of a followed copy", () => {
  it("a snapshot taken while updates are on their way counts only what it covers: once the clause unloads, a load is the snapshot alone", async () => {
    const { t, gated, host, writer, client, edit } = await gatedClause(
      { COMPACT_EVERY: "3", UNLOAD_AFTER_MS: "100" },
      "d-1",
    );
    // Two edits stored; then the third is held in the store while seven more arrive: when it is
    // stored, the count reaches COMPACT_EVERY and the compaction encodes the copy with those
    // seven still on their way.
    const outcomes = [await edit(0), await edit(1)];
    gated.hold();
    const pending = [edit(2)];
    await waitUntil(() => gated.heldAppends() > 0, "the third append held");
    for (let i = 3; i < 10; i += 1) pending.push(edit(i));
    gated.release();
    outcomes.push(...(await Promise.all(pending)));
    expect(outcomes.map((o) => o.type)).toEqual(Array.from({ length: 10 }, () => "applied"));
    host.unsubscribe(writer);
    t.server.registry.release(host);
    await waitUntil(() => t.server.registry.loadedCount === 0, "the clause and its index unloaded", 10_000);
    const log = await t.store.load(CLAUSE.name);
    expect(log.updates).toHaveLength(0);
    const fresh = new Y.Doc();
    if (log.snapshot) Y.applyUpdate(fresh, log.snapshot);
    expect(clauseText(fresh)).toBe(clauseText(client));
  });

  it("a snapshot encoded while updates are on their way says it covers only the entries up to its head", async () => {
    const { gated, host, edit } = await gatedClause({ COMPACT_EVERY: "1000" }, "d-2");
    const countBefore = host.updatesSinceSnapshot;
    const headBefore = host.head;
    gated.hold();
    const pending = [];
    for (let i = 0; i < 5; i += 1) {
      pending.push(edit(i));
      if (i === 0) await waitUntil(() => gated.heldAppends() > 0, "the first append held");
    }
    // Encoded now, with all five applied and none stored: it may hold them, it covers only the head.
    const snapshot = host.durableSnapshot();
    gated.release();
    await Promise.all(pending);
    const taken = await snapshot;
    expect(taken?.head).toBe(headBefore);
    expect(taken?.covered).toBe(countBefore);
    expect(host.updatesSinceSnapshot).toBe(countBefore + 5);
  });
});
