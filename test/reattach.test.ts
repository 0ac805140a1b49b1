import { describe, expect, it } from "vitest";
import { attachDocument, clauseText, multiplexedSocket } from "./support/clients.ts";
import { startTestServer, waitUntil } from "./support/server.ts";

const CLAUSE = "demo/glossary/c2";

describe("a document re-created at once on the same socket", () => {
  it("a provider destroyed and created again under the same name before its auth is answered still syncs (the room's reset after a lock or a refusal)", async () => {
    const t = await startTestServer();
    const token = await t.token("delegate");
    const socket = multiplexedSocket(t.wsUrl, token);
    const warm = attachDocument(socket, "demo/glossary/c1", token);
    await waitUntil(() => warm.synced, "the socket is open");
    // Auth, then Close and Auth again for the same address, all before the first Auth is answered.
    const first = attachDocument(socket, CLAUSE, token);
    await new Promise((resolve) => setImmediate(resolve)); // its Auth is on the wire
    first.destroy();
    const last = attachDocument(socket, CLAUSE, token);
    await waitUntil(() => last.synced, "the last copy synced");
    expect(clauseText(last.document)).toMatch(/^Output: /);
  });
});
