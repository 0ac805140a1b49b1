import { describe, expect, it } from "vitest";
import { clauseText, plainClient, typeInto, upgradeResult } from "./support/clients.ts";
import { startTestServer, waitUntil } from "./support/server.ts";

describe("plain y-websocket endpoint", () => {
  it("two stock WebsocketProvider clients on one clause converge, and awareness reaches the other", async () => {
    const t = await startTestServer();
    const doc = "demo/implementation/c2";
    const a = plainClient(t.wsUrl, doc, await t.token("delegate", { name: "Ana", delegation: "AFR" }));
    const b = plainClient(t.wsUrl, doc, await t.token("delegate", { name: "Ben", delegation: "CEPT" }));
    await waitUntil(() => a.provider.synced && b.provider.synced, "both synced");
    const seeded = clauseText(a.doc);
    expect(seeded.length).toBeGreaterThan(20);
    expect(clauseText(b.doc)).toBe(seeded);

    typeInto(a.doc, "AAA ");
    typeInto(b.doc, "BBB ", 10);
    await waitUntil(() => clauseText(a.doc) === clauseText(b.doc) && clauseText(a.doc).includes("BBB"), "convergence");
    expect(clauseText(a.doc)).toContain("AAA ");

    // The server's copy is the same text.
    const section = await fetch(`${t.httpUrl}/api/sessions/demo/sections/implementation`, {
      headers: { authorization: `Bearer ${await t.token("observer")}` },
    }).then((r) => r.json() as Promise<{ clauses: { id: string; text: string }[] }>);
    expect(section.clauses.find((c) => c.id === "c2")?.text).toBe(clauseText(a.doc));

    // Presence: a claims to be someone else; the server stamps the token's identity.
    a.provider.awareness.setLocalStateField("user", { name: "The Chair", color: "#c00" });
    await waitUntil(() => b.provider.awareness.getStates().has(a.doc.clientID), "a's presence at b");
    const seen = b.provider.awareness.getStates().get(a.doc.clientID) as { user: Record<string, unknown> };
    expect(seen.user).toMatchObject({ name: "Ana", delegation: "AFR", role: "delegate", color: "#c00" });
  });

  it("refuses to open a document that does not exist, before the upgrade", async () => {
    const t = await startTestServer();
    const token = await t.token("delegate");
    for (const [name, status] of [
      ["demo/implementation/c999", 404],
      ["demo/no-such-section", 404],
      ["demo/Bad_Name", 400],
    ] as const) {
      const result = await upgradeResult(`${t.wsUrl}/y/${name}?token=${token}`);
      expect(result.status, name).toBe(status);
    }
  });
});
