import { join } from "node:path";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { attachDocument, clauseText, multiplexedSocket, typeInto } from "./support/clients.ts";
import { gatedStore } from "./support/gatedStore.ts";
import { startTestServer, waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSES = ["demo/implementation/c1", "demo/implementation/c2", "demo/implementation/c3"];

describe("multiplexed endpoint (@hocuspocus/provider 4.x)", () => {
  it("one socket carries a section index and three clauses; two clients converge", async () => {
    const t = await startTestServer();
    const tokenA = await t.token("delegate", { delegation: "AFR" });
    const tokenB = await t.token("delegate", { delegation: "CEPT" });
    const socketA = multiplexedSocket(t.wsUrl, tokenA);
    const socketB = multiplexedSocket(t.wsUrl, tokenB);
    const indexA = attachDocument(socketA, "demo/implementation", tokenA);
    const a = CLAUSES.map((name) => attachDocument(socketA, name, tokenA));
    const b = CLAUSES.map((name) => attachDocument(socketB, name, tokenB));
    await waitUntil(() => [indexA, ...a, ...b].every((p) => p.synced), "all documents synced");

    expect(indexA.authorizedScope).toBe("readonly");
    expect(a[0]?.authorizedScope).toBe("read-write");
    expect(indexA.document.getArray("order").toArray()).toContain("c3");

    for (const [i, p] of a.entries()) typeInto(p.document, `A${i} `);
    for (const [i, p] of b.entries()) typeInto(p.document, ` B${i}`, 5);
    await waitUntil(
      () =>
        a.every(
          (p, i) => clauseText(p.document) === clauseText(b[i]!.document) && clauseText(p.document).includes(` B${i}`),
        ),
      "convergence on every clause",
    );
    await waitUntil(() => [...a, ...b].every((p) => p.unsyncedChanges === 0), "all edits acknowledged");
    for (const [i, name] of CLAUSES.entries()) {
      const stored = await t.store.load(name);
      const doc = new Y.Doc();
      for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(doc, u);
      expect(clauseText(doc)).toBe(clauseText(a[i]!.document));
    }
  });

  it("unsynced changes reach 0 only after the store holds the edit", async () => {
    const dir = tempDir("gavel-gated-");
    const gated = gatedStore(openSqliteStore({ file: join(dir, "gavel.sqlite") }));
    const t = await startTestServer({ store: gated.store });
    const token = await t.token("delegate");
    const socket = multiplexedSocket(t.wsUrl, token);
    const provider = attachDocument(socket, CLAUSES[0]!, token);
    await waitUntil(() => provider.synced && provider.unsyncedChanges === 0, "synced");

    gated.hold();
    typeInto(provider.document, "durable ");
    await waitUntil(() => gated.heldAppends() === 1, "the append reached the store");
    // The store has not finished: the edit is not acknowledged, and not in the store.
    expect(provider.unsyncedChanges).toBe(1);
    const before = await t.store.history(CLAUSES[0]!);
    expect(before.some((u) => u.author.sub.startsWith("delegate"))).toBe(false);
    // Round trips on the same socket still complete while the append is held.
    const other = attachDocument(socket, CLAUSES[1]!, token);
    await waitUntil(() => other.synced, "another document syncs meanwhile");
    expect(provider.unsyncedChanges).toBe(1);

    gated.release();
    await waitUntil(() => provider.unsyncedChanges === 0, "acknowledged after the store finished");
    const after = await t.store.history(CLAUSES[0]!);
    expect(after.filter((u) => u.author.sub.startsWith("delegate"))).toHaveLength(1);
  });
});
