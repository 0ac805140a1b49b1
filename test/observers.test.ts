import { encodePlain } from "@gavel/protocol";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { rawSocket } from "./support/rawClient.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

const CLAUSE = "demo/introduction/c1";

/** A write made on a copy of the server's current text, as a client would send it. */
async function offlineEdit(
  t: { store: { load(d: string): Promise<{ snapshot: Uint8Array | null; updates: readonly Uint8Array[] }> } },
  name: string,
  text: string,
) {
  const log = await t.store.load(name);
  const doc = new Y.Doc();
  for (const u of log.snapshot ? [log.snapshot, ...log.updates] : log.updates) Y.applyUpdate(doc, u);
  const before = Y.encodeStateVector(doc);
  typeInto(doc, text);
  return Y.encodeStateAsUpdate(doc, before);
}

function permissionDeniedReason(frame: Uint8Array): string | null {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return null;
  return decoding.readVarString(decoder);
}

describe("read-only observers and server-written section indexes", () => {
  it("an observer's write on the plain endpoint is answered with permission-denied, never stored nor delivered", async () => {
    const t = await startTestServer();
    const delegate = plainClient(t.wsUrl, CLAUSE, await t.token("delegate"));
    await waitUntil(() => delegate.provider.synced, "delegate synced");
    const storedBefore = (await t.store.history(CLAUSE)).length;

    const observer = await rawSocket(`${t.wsUrl}/y/${CLAUSE}?token=${await t.token("observer")}`);
    observer.ws.send(encodePlain.sync({ type: "update", update: await offlineEdit(t, CLAUSE, "OBSERVER WAS HERE ") }));
    await waitUntil(() => observer.frames.some((f) => permissionDeniedReason(f) !== null), "permission-denied answer");
    expect(observer.frames.map(permissionDeniedReason).find((r) => r !== null)).toMatch(/^READ_ONLY/);

    // A later delegate edit is a sentinel: once it is stored, the observer's would have been too.
    typeInto(delegate.doc, "sentinel ");
    await waitUntilAsync(async () => (await t.store.history(CLAUSE)).length === storedBefore + 1, "sentinel stored");
    expect(clauseText(delegate.doc)).not.toContain("OBSERVER");
    expect(observer.closed()).toBeNull();
  });

  it("an observer's edit through @hocuspocus/provider is refused with a notice; others never see it", async () => {
    const t = await startTestServer();
    const observerToken = await t.token("observer");
    const delegateToken = await t.token("delegate");
    const observer = attachDocument(multiplexedSocket(t.wsUrl, observerToken), CLAUSE, observerToken);
    const delegate = attachDocument(multiplexedSocket(t.wsUrl, delegateToken), CLAUSE, delegateToken);
    const notices: string[] = [];
    observer.on("stateless", ({ payload }: { payload: string }) => notices.push(payload));
    await waitUntil(() => observer.synced && delegate.synced && observer.unsyncedChanges === 0, "both synced");
    expect(observer.authorizedScope).toBe("readonly");
    const storedBefore = (await t.store.history(CLAUSE)).length;

    typeInto(observer.document, "OBSERVER WAS HERE ");
    await waitUntil(() => notices.length > 0, "refusal notice");
    expect(JSON.parse(notices[0]!)).toEqual({
      type: "refused",
      doc: CLAUSE,
      code: "READ_ONLY",
      reason: "observers are read-only",
    });
    expect(observer.unsyncedChanges).toBe(1);

    typeInto(delegate.document, "sentinel ");
    await waitUntil(() => clauseText(observer.document).includes("sentinel"), "sentinel reached the observer");
    await waitUntil(() => delegate.unsyncedChanges === 0, "sentinel acknowledged");
    expect(clauseText(delegate.document)).not.toContain("OBSERVER");
    expect((await t.store.history(CLAUSE)).length).toBe(storedBefore + 1);
  });

  it("observers' presence does not reach delegates", async () => {
    const t = await startTestServer();
    const observer = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    const delegate = plainClient(t.wsUrl, CLAUSE, await t.token("delegate"));
    const other = plainClient(t.wsUrl, CLAUSE, await t.token("delegate"));
    await waitUntil(() => [observer, delegate, other].every((c) => c.provider.synced), "all synced");
    observer.provider.awareness.setLocalStateField("cursor", 3);
    other.provider.awareness.setLocalStateField("cursor", 4);
    await waitUntil(() => delegate.provider.awareness.getStates().has(other.doc.clientID), "delegate presence arrives");
    await waitUntil(() => observer.provider.awareness.getStates().has(other.doc.clientID), "observer sees delegates");
    expect(delegate.provider.awareness.getStates().has(observer.doc.clientID)).toBe(false);
  });

  it("every role's write to a section index is refused, on both endpoints", async () => {
    const t = await startTestServer();
    const index = "demo/implementation";
    for (const role of ["chair", "secretariat", "delegate"] as const) {
      const raw = await rawSocket(`${t.wsUrl}/y/${index}?token=${await t.token(role)}`);
      const doc = new Y.Doc();
      doc.getArray<string>("order").push([`forged-by-${role}`]);
      raw.ws.send(encodePlain.sync({ type: "update", update: Y.encodeStateAsUpdate(doc) }));
      await waitUntil(() => raw.frames.some((f) => permissionDeniedReason(f) !== null), `${role} refused`);
      expect(raw.frames.map(permissionDeniedReason).find((r) => r !== null)).toMatch(/^INDEX_READ_ONLY/);

      const token = await t.token(role);
      const provider = attachDocument(multiplexedSocket(t.wsUrl, token), index, token);
      const notices: string[] = [];
      provider.on("stateless", ({ payload }: { payload: string }) => notices.push(payload));
      await waitUntil(() => provider.synced, `${role} synced`);
      expect(provider.authorizedScope).toBe("readonly");
      provider.document.getArray<string>("order").push([`forged-by-${role}`]);
      await waitUntil(() => notices.length > 0, `${role} notice`);
      expect(JSON.parse(notices[0]!)).toMatchObject({ type: "refused", code: "INDEX_READ_ONLY" });
    }
    const history = await t.store.history(index);
    expect(history.every((u) => u.author.role !== "chair" && u.author.role !== "delegate")).toBe(true);
    const section = await fetch(`${t.httpUrl}/api/sessions/demo/sections/implementation`, {
      headers: { authorization: `Bearer ${await t.token("chair")}` },
    }).then((r) => r.json() as Promise<{ clauses: { id: string }[] }>);
    expect(section.clauses.map((c) => c.id).some((id) => id.startsWith("forged"))).toBe(false);
  });
});
