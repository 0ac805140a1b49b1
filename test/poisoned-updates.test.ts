import { join } from "node:path";
import { CloseCode } from "@gavel/protocol";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { api } from "./support/api.ts";
import { clauseText, plainClient, typeInto } from "./support/clients.ts";
import { muxPeer, plainPeer } from "./support/rawPeers.ts";
import { expectOneText, readClause, storedTexts } from "./support/readings.ts";
import { startTestServer, type TestServer, waitUntil } from "./support/server.ts";

/** Issue 8, bug 1: one struct, a client id needing 8 varint bytes (about 3.6e16), an unknown origin. */
const ISSUE_8_UPDATE = Uint8Array.from(Buffer.from("0101a0af9f9eedfa847f00c10103667a3000", "hex"));
const CLAUSE = "demo/implementation/c5";
const LOCK = "/api/sessions/demo/sections/implementation/clauses/c5/lock";

/** The clause as the server has it now, as a client copy with its own client id. */
async function serverCopy(t: TestServer, clientID: number): Promise<Y.Doc> {
  const observer = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
  await waitUntil(() => observer.provider.synced, "observer synced");
  const copy = new Y.Doc();
  copy.clientID = clientID;
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(observer.doc));
  observer.provider.destroy();
  return copy;
}

/** What `change` adds to `doc`, as the update a client would send. */
function edit(doc: Y.Doc, change: () => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  change();
  return Y.encodeStateAsUpdate(doc, before);
}

describe("no update can poison a clause (issue 8)", () => {
  it("refuses the 18-byte update with 4422 on both endpoints: nothing stored, fresh clients keep syncing", async () => {
    const t = await startTestServer();
    const delegate = await t.token("delegate");
    const before = (await t.store.history(CLAUSE)).length;

    const plain = await plainPeer(t.wsUrl, CLAUSE, delegate, false);
    expect(await plain.send(ISSUE_8_UPDATE)).toEqual({ closed: CloseCode.invalidUpdate });
    const mux = await muxPeer(t.wsUrl, CLAUSE, delegate);
    expect(await mux.send(ISSUE_8_UPDATE)).toEqual({ closed: CloseCode.invalidUpdate });

    expect(await t.store.history(CLAUSE)).toHaveLength(before);
    const text = expectOneText(await readClause(t, CLAUSE, await t.token("chair")), "after the 18-byte update");
    expect(text.length).toBeGreaterThan(0);
    // The damage would have survived an unload and a restart: neither has anything to skip.
    await t.close();
    const again = await startTestServer({ dataDir: t.dataDir });
    expect(expectOneText(await readClause(again, CLAUSE, await again.token("chair")), "after a restart")).toBe(text);
  });

  it("bug 2's sequence: the pending edits are refused with 4422; locked text is the same everywhere, across a restart", async () => {
    const t = await startTestServer();
    const delegate = await t.token("delegate");
    const chair = await t.token("chair");
    const before = (await t.store.history(CLAUSE)).length;

    // 1. A copy of the seed structs: already contained, changes nothing.
    const seedCopy = await serverCopy(t, 1001);
    const first = await plainPeer(t.wsUrl, CLAUSE, delegate);
    expect(await first.send(Y.encodeStateAsUpdate(seedCopy))).toBe("accepted");
    // 2. An edit whose own earlier structs never arrive: it would stay pending (structs).
    const typist = await serverCopy(t, 1002);
    edit(typist, () => typeInto(typist, "lost "));
    const fz0 = edit(typist, () => typeInto(typist, "fz0"));
    expect(await first.send(fz0)).toEqual({ closed: CloseCode.invalidUpdate });
    // 3. Deletes of structs the server never had: they would stay pending (delete set).
    const deleter = await serverCopy(t, 1003);
    edit(deleter, () => typeInto(deleter, "abc"));
    const deletes = edit(deleter, () => {
      const paragraph = deleter.getXmlFragment("default").get(0) as Y.XmlElement;
      (paragraph.get(0) as Y.XmlText).delete(0, 2);
    });
    const second = await muxPeer(t.wsUrl, CLAUSE, delegate);
    expect(await second.send(deletes)).toEqual({ closed: CloseCode.invalidUpdate });
    // 4. A normal edit.
    const writer = await serverCopy(t, 1004);
    const third = await plainPeer(t.wsUrl, CLAUSE, delegate);
    expect(await third.send(edit(writer, () => typeInto(writer, "q1z ")))).toBe("accepted");

    const text = expectOneText(await readClause(t, CLAUSE, chair), "before the lock");
    expect(text).toContain("q1z");
    expect(text).not.toContain("fz0");
    expect(await t.store.history(CLAUSE)).toHaveLength(before + 2);
    expect((await api(t.httpUrl, chair, "POST", LOCK, { reason: "agreed text" })).status).toBe(200);
    expect(expectOneText(await readClause(t, CLAUSE, chair), "after the lock")).toBe(text);

    await t.close();
    const store = openSqliteStore({ file: join(t.dataDir, "gavel.sqlite") });
    expect(await storedTexts(store, CLAUSE)).toEqual({ history: text, snapshot: text });
    await store.close();
    const again = await startTestServer({ dataDir: t.dataDir });
    const after = await readClause(again, CLAUSE, await again.token("chair"));
    expect(expectOneText(after, "after a graceful restart")).toBe(text);
    const observer = plainClient(again.wsUrl, CLAUSE, await again.token("observer"));
    await waitUntil(() => observer.provider.synced, "observer synced after the restart");
    expect(clauseText(observer.doc)).toBe(text);
  });
});
