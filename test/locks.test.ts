import { encodePlain } from "@gavel/protocol";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiSection, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { rawSocket } from "./support/rawClient.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

const SECTION = "implementation";
const CLAUSE = "demo/implementation/c2";
const OTHER = "demo/implementation/c4";
const LOCK = `/api/sessions/demo/sections/${SECTION}/clauses/c2`;

/** The clause's text as the store has it: every stored update replayed. */
async function storedText(
  store: { history(doc: string): Promise<{ update: Uint8Array }[]> },
  doc: string,
): Promise<string> {
  const replay = new Y.Doc();
  for (const record of await store.history(doc)) Y.applyUpdate(replay, record.update);
  return clauseText(replay);
}

describe("chair locks, enforced on the clause document", () => {
  it("LK4 LK5: a lock taken while a delegate types freezes the text at the moment of locking, everywhere", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const delegateToken = await t.token("delegate");
    const socket = multiplexedSocket(t.wsUrl, delegateToken);
    const typist = attachDocument(socket, CLAUSE, delegateToken);
    const other = attachDocument(socket, OTHER, delegateToken);
    const notices: { type: string; code?: string; by?: string }[] = [];
    typist.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
    const watcher = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => typist.synced && other.synced && watcher.provider.synced, "synced");

    // A stock client inserting every few milliseconds, bounded to 400 inserts.
    let typed = 0;
    const typing = setInterval(() => {
      if (typed < 400) typeInto(typist.document, `k${typed++} `);
    }, 3);
    try {
      await waitUntil(() => typed >= 40, "typing under way");
      const lock = await api<{ clause: { lock: { name: string; at: string } } }>(
        t.httpUrl,
        chair,
        "POST",
        `${LOCK}/lock`,
        { reason: "gavelled during the test" },
      );
      expect(lock.status).toBe(200);
      const serverText = async () =>
        (await api<ApiSection>(t.httpUrl, chair, "GET", `/api/sessions/demo/sections/${SECTION}`)).body.clauses.find(
          (c) => c.id === "c2",
        )?.text;
      const atLock = await serverText();
      const typedAtLock = typed;
      await waitUntil(() => typed >= typedAtLock + 40, "typing goes on after the lock");
      clearInterval(typing);

      // LK5: the typist was told at once, with who and when.
      await waitUntil(() => notices.some((n) => n.type === "locked"), "locked notice");
      expect(notices.find((n) => n.type === "locked")).toMatchObject({ by: lock.body.clause.lock.name });
      // LK4: its later writes are refused and answered.
      await waitUntil(
        () => notices.some((n) => n.type === "refused" && n.code === "LOCKED"),
        "refusal of later writes",
      );

      // The text is the text at the moment of locking: on the server, in the store, after reset.
      expect(await serverText()).toBe(atLock);
      expect(await storedText(t.store, CLAUSE)).toBe(atLock);
      expect(atLock).toContain("k0 ");
      const reset = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
      await waitUntil(() => reset.provider.synced, "reset client synced");
      expect(clauseText(reset.doc)).toBe(atLock);
      await waitUntil(() => clauseText(watcher.doc) === atLock, "the watching client ends on the locked text");

      // Edits to another clause on the same socket keep flowing.
      typeInto(other.document, "still flowing ");
      await waitUntil(() => other.unsyncedChanges === 0, "other clause acknowledged");
      expect(await storedText(t.store, OTHER)).toContain("still flowing ");
    } finally {
      clearInterval(typing);
    }
  });

  it("LK4: the plain endpoint refuses writes to a locked clause with permission-denied", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    expect((await api(t.httpUrl, chair, "POST", `${LOCK}/lock`, { reason: "agreed in substance" })).status).toBe(200);
    const before = (await t.store.history(CLAUSE)).length;
    const raw = await rawSocket(`${t.wsUrl}/y/${CLAUSE}?token=${await t.token("secretariat")}`);
    const doc = new Y.Doc();
    doc.getXmlFragment("default").insert(0, [new Y.XmlElement("paragraph")]);
    raw.ws.send(encodePlain.sync({ type: "update", update: Y.encodeStateAsUpdate(doc) }));
    const denied = () =>
      raw.frames.map((f) => {
        const d = decoding.createDecoder(f);
        return decoding.readVarUint(d) === 2 && decoding.readVarUint(d) === 0 ? decoding.readVarString(d) : null;
      });
    await waitUntil(() => denied().some((r) => r?.startsWith("LOCKED")), "permission denied");
    expect((await t.store.history(CLAUSE)).length).toBe(before);
  });

  it("LK5 LK6: a lock taken over HTTP reaches an open provider as a notice, survives a restart, and unlock re-opens writing without reconnecting", async () => {
    const first = await startTestServer({ keep: true });
    const chair = await first.token("chair");
    const token = await first.token("delegate");
    const provider = attachDocument(multiplexedSocket(first.wsUrl, token), CLAUSE, token);
    const notices: { type: string }[] = [];
    provider.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
    await waitUntil(() => provider.synced, "synced");
    expect((await api(first.httpUrl, chair, "POST", `${LOCK}/lock`, { reason: "agreed" })).status).toBe(200);
    await waitUntil(() => notices.some((n) => n.type === "locked"), "locked notice");
    provider.destroy();
    await first.close();

    const second = await startTestServer({ dataDir: first.dataDir });
    const section = await api<ApiSection>(second.httpUrl, chair, "GET", `/api/sessions/demo/sections/${SECTION}`);
    expect(section.body.clauses.find((c) => c.id === "c2")?.locked).toMatchObject({ reason: "agreed" });
    const again = attachDocument(multiplexedSocket(second.wsUrl, token), CLAUSE, token);
    const after: { type: string; code?: string }[] = [];
    again.on("stateless", ({ payload }: { payload: string }) => after.push(JSON.parse(payload)));
    await waitUntil(() => again.synced, "synced after restart");
    typeInto(again.document, "after restart ");
    await waitUntil(() => after.some((n) => n.type === "refused" && n.code === "LOCKED"), "refused after restart");

    // Unlock: the same connection writes again. Its refused edit is still local, so it resets
    // (a fresh document on the same socket), as the notice asks.
    expect(
      (await api(second.httpUrl, chair, "POST", `${LOCK}/unlock`, { reason: "reopened for a late amendment" })).status,
    ).toBe(200);
    await waitUntil(() => after.some((n) => n.type === "unlocked"), "unlocked notice");
    const fresh = attachDocument(multiplexedSocket(second.wsUrl, token), CLAUSE, token);
    await waitUntil(() => fresh.synced, "fresh copy synced");
    typeInto(fresh.document, "amended ");
    await waitUntil(() => fresh.unsyncedChanges === 0, "acknowledged");
    await waitUntilAsync(async () => (await storedText(second.store, CLAUSE)).startsWith("amended "), "stored");
  });
});
