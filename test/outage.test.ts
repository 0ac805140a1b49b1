import { CloseCode } from "@gavel/protocol";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import { type ApiSection, api } from "./support/api.ts";
import { clauseText, plainClient, upgradeResult } from "./support/clients.ts";
import { type RedisServer, startRedisServer, testPrefix } from "./support/redis.ts";
import { makeToken, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSE = "demo/implementation/c5";

/**
 * Issue 8, bug 3: an outage is answered as an outage. The server runs as `npm start` does, on a
 * Redis of the test's own that it stops and starts again (same port, same append-only file).
 */
describe("a Redis outage strands no client", () => {
  it("a /collab provider that attaches a clause during the outage syncs within 5 s of Redis returning", async () => {
    const dir = tempDir("gavel-redis-aof-");
    let redis: RedisServer = await startRedisServer({ dir });
    onTestFinished(() => redis.kill());
    const server = await spawnServer({
      DATA_DIR: tempDir("gavel-outage-"),
      REDIS_URL: redis.url,
      REDIS_PREFIX: testPrefix("outage"),
      LOG_LEVEL: "fatal",
    });
    const token = await makeToken("delegate");
    // Stock provider, default reconnect options; the socket is open before the outage.
    const socket = new HocuspocusProviderWebsocket({
      url: `${server.wsUrl}/collab?token=${encodeURIComponent(token)}`,
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    onTestFinished(() => socket.destroy());
    const index = new HocuspocusProvider({ websocketProvider: socket, name: "demo/implementation", token });
    index.attach();
    onTestFinished(() => index.destroy());
    await waitUntil(() => index.synced, "the section index synced");
    const closes: number[] = [];
    socket.on("close", ({ event }: { event: { code: number } }) => closes.push(event.code));

    await redis.stop();
    const clause = new HocuspocusProvider({ websocketProvider: socket, name: CLAUSE, token });
    clause.attach();
    onTestFinished(() => clause.destroy());
    const denied: string[] = [];
    clause.on("authenticationFailed", ({ reason }: { reason: string }) => denied.push(reason));
    await waitUntil(() => closes.includes(CloseCode.internalError), "the socket closed with 1011 (retryable)");

    // HTTP and the /y upgrade answer 503 STORE_UNAVAILABLE meanwhile.
    const section = await api(server.httpUrl, token, "GET", "/api/sessions/demo/sections/glossary");
    expect(section).toMatchObject({ status: 503, body: { error: { code: "STORE_UNAVAILABLE" } } });
    const upgrade = await upgradeResult(`${server.wsUrl}/y/demo/glossary/c1?token=${token}`);
    expect(upgrade.status).toBe(503);
    expect(JSON.parse(upgrade.body)).toMatchObject({ error: { code: "STORE_UNAVAILABLE" } });
    const plain = plainClient(server.wsUrl, "demo/glossary/c1", token);

    redis = await startRedisServer({ port: redis.port, dir });
    await waitUntil(() => clause.synced && plain.provider.synced, "both synced after Redis returned", 5_000);

    expect(denied).toEqual([]);
    const live = await api<ApiSection>(server.httpUrl, token, "GET", "/api/sessions/demo/sections/implementation");
    expect(live.status).toBe(200);
    expect(clauseText(clause.document)).toBe(live.body.clauses.find((c) => c.id === "c5")?.text);
    expect(clauseText(clause.document).length).toBeGreaterThan(0);
  });
});
