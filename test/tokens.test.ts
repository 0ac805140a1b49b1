import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { upgradeResult } from "./support/clients.ts";
import { makeToken, startTestServer } from "./support/server.ts";

describe("tokens and origins are checked before the WebSocket upgrade", () => {
  it("refuses expired, forged, wrong-session and bad-origin connections with 401/403 on both endpoints", async () => {
    const t = await startTestServer({ env: { ALLOWED_ORIGINS: "https://gavel.example" } });
    const good = await t.token("delegate");
    const expired = await makeToken("delegate", { ttl: -60 });
    const forged = await new SignJWT({ name: "Mallory", role: "chair", delegation: null, session: "demo" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("mallory")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("not-the-server-secret-not-the-server-secret"));
    const [header, payload, signature] = good.split(".");
    const promoted = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), role: "chair" }),
    ).toString("base64url");
    const tampered = `${header}.${promoted}.${signature}`;
    const otherSession = await makeToken("delegate", { session: "other" });

    // No token: refused on /y; /collab accepts the upgrade and authenticates each document from its
    // Auth message (test/collab-auth.test.ts), as Hocuspocus does.
    const missing = await upgradeResult(`${t.wsUrl}/y/demo/glossary/c1`);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body).error.code).toBe("TOKEN_MISSING");
    expect((await upgradeResult(`${t.wsUrl}/collab`, { origin: "https://evil.example" })).status).toBe(403);
    const endpoints = [`${t.wsUrl}/y/demo/glossary/c1`, `${t.wsUrl}/collab`];
    for (const base of endpoints) {
      const cases: [string, string, Record<string, string>, number, string][] = [
        ["expired", `${base}?token=${expired}`, {}, 401, "TOKEN_EXPIRED"],
        ["forged", `${base}?token=${forged}`, {}, 401, "TOKEN_INVALID"],
        ["tampered", `${base}?token=${tampered}`, {}, 401, "TOKEN_INVALID"],
        ["bad origin", `${base}?token=${good}`, { origin: "https://evil.example" }, 403, "ORIGIN_NOT_ALLOWED"],
      ];
      for (const [what, url, headers, status, code] of cases) {
        const result = await upgradeResult(url, headers);
        expect(result.status, `${what} at ${base}`).toBe(status);
        expect(JSON.parse(result.body).error.code, what).toBe(code);
      }
      const allowed = await upgradeResult(`${base}?token=${good}`, { origin: "https://gavel.example" });
      expect(allowed.status, `good token at ${base}`).toBe(101);
    }
    // Wrong session: a valid token for session "other" opens nothing of "demo".
    await t.server.sessions.ensureSession("other", "empty");
    expect((await upgradeResult(`${t.wsUrl}/y/demo/glossary/c1?token=${otherSession}`)).status).toBe(403);
    expect((await upgradeResult(`${t.wsUrl}/y/other/main/c1?token=${otherSession}`)).status).toBe(101);
    expect((await upgradeResult(`${t.wsUrl}/collab?token=${otherSession}&session=demo`)).status).toBe(403);
    expect((await upgradeResult(`${t.wsUrl}/collab?token=${good}&session=other`)).status).toBe(403);
    const ghost = await makeToken("delegate", { session: "ghost" });
    expect((await upgradeResult(`${t.wsUrl}/collab?token=${ghost}`)).status).toBe(404);
  });

  it("the HTTP API wants a valid bearer token for the session", async () => {
    const t = await startTestServer();
    const get = async (token: string | null) =>
      (
        await fetch(`${t.httpUrl}/api/sessions/demo`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        })
      ).status;
    expect(await get(null)).toBe(401);
    expect(await get(await makeToken("chair", { ttl: -1 }))).toBe(401);
    expect(await get(await makeToken("chair", { session: "other" }))).toBe(403);
    expect(await get(await t.token("observer"))).toBe(200);
  });
});
