import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import * as encoding from "lib0/encoding";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { clauseText, typeInto, upgradeResult } from "./support/clients.ts";
import { rawSocket } from "./support/rawClient.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

// The Hocuspocus way in Node: the provider opens its own socket with the global WebSocket.
if (globalThis.WebSocket === undefined) {
  globalThis.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket;
}

const CLAUSE = "demo/implementation/c1";

/** A client's Auth message for `address`, as a stock provider frames it (Hocuspocus protocol). */
function authFrame(address: string, token: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, 2); // Auth
  encoding.writeVarUint(encoder, 0); // the token
  encoding.writeVarString(encoder, token);
  return encoding.toUint8Array(encoder);
}

/** A provider used the Hocuspocus way: a URL with no token, the token only in the Auth message. */
function hocuspocusWay(wsUrl: string, name: string, token: string): HocuspocusProvider {
  const provider = new HocuspocusProvider({ url: `${wsUrl}/collab`, name, token });
  onTestFinished(() => provider.destroy());
  return provider;
}

describe("/collab without a URL token: each document authenticates from its Auth message (issue 10)", () => {
  it("a stock @hocuspocus/provider with the token only in its Auth message syncs and writes as the token's identity", async () => {
    const t = await startTestServer();
    const token = await t.token("delegate", { delegation: "AFR", sub: "ana" });
    const provider = hocuspocusWay(t.wsUrl, CLAUSE, token);
    await waitUntil(() => provider.synced, "synced with the token only in Auth");
    expect(provider.authorizedScope).toBe("read-write");
    typeInto(provider.document, "tokenless ");
    await waitUntil(() => provider.unsyncedChanges === 0, "acknowledged");
    const history = await t.store.history(CLAUSE);
    expect(history.at(-1)?.author.sub).toBe("ana");

    // The URL token form keeps working, and sees the edit.
    const other = await t.token("delegate", { delegation: "CEPT" });
    const socket = new HocuspocusProviderWebsocket({
      url: `${t.wsUrl}/collab?token=${encodeURIComponent(other)}`,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    onTestFinished(() => socket.destroy());
    const urlForm = new HocuspocusProvider({ websocketProvider: socket, name: CLAUSE, token: other });
    urlForm.attach();
    onTestFinished(() => urlForm.destroy());
    await waitUntil(() => urlForm.synced && clauseText(urlForm.document).startsWith("tokenless "), "URL form syncs");
  });

  it("the first valid document token fixes the socket's identity; a later document's token for someone else is refused", async () => {
    const t = await startTestServer();
    const ana = await t.token("delegate", { delegation: "AFR", sub: "ana" });
    const ben = await t.token("delegate", { delegation: "CEPT", sub: "ben" });
    const socket = new HocuspocusProviderWebsocket({
      url: `${t.wsUrl}/collab`,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    onTestFinished(() => socket.destroy());
    const first = new HocuspocusProvider({ websocketProvider: socket, name: CLAUSE, token: ana });
    first.attach();
    onTestFinished(() => first.destroy());
    await waitUntil(() => first.synced, "the first document authenticates the socket");
    let denied: string | null = null;
    const second = new HocuspocusProvider({
      websocketProvider: socket,
      name: "demo/implementation/c2",
      token: ben,
      onAuthenticationFailed: ({ reason }) => {
        denied = reason;
      },
    });
    second.attach();
    onTestFinished(() => second.destroy());
    await waitUntil(() => denied !== null, "the other identity's document is refused");
    expect(denied).toMatch(/^FORBIDDEN/);
    expect(second.synced).toBe(false);
    expect(first.synced).toBe(true);
  });

  it("a socket that never authenticates a document is closed with 4401 after AUTH_DEADLINE_MS; a bad token does not extend it", async () => {
    const t = await startTestServer({ env: { AUTH_DEADLINE_MS: "300" } });
    const idle = await rawSocket(`${t.wsUrl}/collab`);
    const wrong = new HocuspocusProvider({ url: `${t.wsUrl}/collab`, name: CLAUSE, token: "not-a-token" });
    onTestFinished(() => wrong.destroy());
    await waitUntil(() => idle.closed() !== null, "the idle socket is closed");
    expect(idle.closed()?.code).toBe(4401);
    // A valid token for a document that cannot be opened authenticates nothing: closed too.
    const unknown = await rawSocket(`${t.wsUrl}/collab`);
    unknown.ws.send(authFrame("demo/no-such-section/c1", await t.token("delegate")));
    await waitUntil(() => unknown.closed() !== null, "the socket with no document open is closed");
    expect(unknown.closed()?.code).toBe(4401);
    // An authenticated socket outlives the deadline.
    const token = await t.token("observer");
    const good = hocuspocusWay(t.wsUrl, CLAUSE, token);
    await waitUntil(() => good.synced, "observer synced");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(String(good.configuration.websocketProvider.status)).toBe("connected");
    expect(wrong.synced).toBe(false);
  });

  it("tokenless sockets waiting for a document are bounded: beyond MAX_UNAUTHENTICATED_SOCKETS the upgrade gets 503", async () => {
    const t = await startTestServer({ env: { MAX_UNAUTHENTICATED_SOCKETS: "2" } });
    const a = await rawSocket(`${t.wsUrl}/collab`);
    await rawSocket(`${t.wsUrl}/collab`);
    const refused = await upgradeResult(`${t.wsUrl}/collab`);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe("TOO_MANY_UNAUTHENTICATED");
    // A URL token is not subject to the bound.
    const token = await t.token("delegate");
    expect((await upgradeResult(`${t.wsUrl}/collab?token=${token}`)).status).toBe(101);
    // A place frees up when a waiting socket goes.
    a.ws.close();
    await waitUntilAsync(async () => (await upgradeResult(`${t.wsUrl}/collab`)).status === 101, "accepted again");
  });
});
