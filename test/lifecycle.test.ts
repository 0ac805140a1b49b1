import { describe, expect, it } from "vitest";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

const CLAUSE = "demo/study-group-questions/c1";

describe("document lifecycle, health and metrics", () => {
  it("a document is unloaded after its last client leaves and comes back intact", async () => {
    const t = await startTestServer({ env: { UNLOAD_AFTER_MS: "50", COMPACT_EVERY: "20" } });
    const token = await t.token("delegate");
    const first = plainClient(t.wsUrl, CLAUSE, token);
    await waitUntil(() => first.provider.synced, "synced");
    for (let i = 0; i < 30; i++) typeInto(first.doc, `<${i}>`);
    await waitUntil(() => t.server.registry.isLoaded(CLAUSE), "loaded");
    const written = clauseText(first.doc);
    // Every one of the 30 edits is in the store before the client leaves.
    const delegateEdits = async () =>
      (await t.store.history(CLAUSE)).filter((u) => u.author.role === "delegate").length;
    await waitUntilAsync(async () => (await delegateEdits()) === 30, "30 edits stored");
    first.provider.destroy();

    await waitUntil(() => !t.server.registry.isLoaded(CLAUSE), "unloaded after the grace period");
    expect((await t.store.load(CLAUSE)).snapshot).not.toBeNull();

    const second = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => second.provider.synced, "second client synced");
    expect(t.server.registry.isLoaded(CLAUSE)).toBe(true);
    expect(clauseText(second.doc)).toBe(written);
  });

  it("healthz, readyz and Prometheus metrics by role", async () => {
    const t = await startTestServer();
    expect(await (await fetch(`${t.httpUrl}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${t.httpUrl}/readyz`)).status).toBe(200);
    const token = await t.token("chair");
    const provider = attachDocument(multiplexedSocket(t.wsUrl, token), CLAUSE, token);
    const observer = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => provider.synced && observer.provider.synced, "synced");
    typeInto(provider.document, "x");
    await waitUntil(() => provider.unsyncedChanges === 0, "acknowledged");
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/gavel_connections\{endpoint="multiplexed",role="chair"\} 1/);
    expect(metrics).toMatch(/gavel_connections\{endpoint="plain",role="observer"\} 1/);
    expect(metrics).toMatch(/gavel_updates_total\{outcome="applied"\} [1-9]/);
    expect(metrics).toMatch(/gavel_store_append_seconds_count [1-9]/);
    expect(metrics).toMatch(/gavel_documents_loaded [1-9]/);
  });

  it("readyz reports 503 when the store cannot be reached", async () => {
    const t = await startTestServer({ keep: true });
    await t.store.close();
    const response = await fetch(`${t.httpUrl}/readyz`);
    expect(response.status).toBe(503);
    await t.server.app.close();
  });
});
