import { rmSync } from "node:fs";
import Fastify from "fastify";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientPlugin } from "../../server/src/http/clientPlugin.ts";
import { launchBrowser, openRoom } from "../support/browser.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { tempDir } from "../support/tmp.ts";

// The built client (client/dist, from the globalSetup build) served by the in-process server.
// The UI itself is still being written: these tests only pin down serving and a clean page load.

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ keep: true });
  browser = await launchBrowser({ keep: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The entry page's module script, e.g. `/assets/index-AbC123.js`. */
function entryScript(html: string): string {
  const match = /<script[^>]*type="module"[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html);
  if (!match?.[1]) throw new Error(`no /assets/*.js module script in:\n${html}`);
  return match[1];
}

describe("client serving", () => {
  it("answers / with the built entry page, which loads its bundle from /assets", async () => {
    const response = await fetch(`${server.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    expect(html).toContain('id="app"');
    expect(entryScript(html)).toMatch(/^\/assets\/.+\.js$/);
  });

  it("answers the join link with its query string (token, projector view) with the same page", async () => {
    const plain = await (await fetch(`${server.httpUrl}/`)).text();
    const response = await fetch(`${server.httpUrl}/?token=x&view=projector`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toBe(plain);
  });

  it("serves hashed assets with a long immutable cache, and 404s a missing one", async () => {
    const script = entryScript(await (await fetch(`${server.httpUrl}/`)).text());
    const response = await fetch(`${server.httpUrl}${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await response.text()).length).toBeGreaterThan(0);
    expect((await fetch(`${server.httpUrl}/assets/missing-00000000.js`)).status).toBe(404);
  });

  it("leaves the API routes to their plugins", async () => {
    expect(await (await fetch(`${server.httpUrl}/healthz`)).json()).toEqual({ ok: true });
    const token = await server.token("delegate");
    const session = await fetch(`${server.httpUrl}/api/sessions/demo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(session.status).toBe(200);
    const unknown = await fetch(`${server.httpUrl}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/json/);
  });
});

describe("client in Chromium", () => {
  it("loads for a delegate without page or console errors and has the #app mount point", async () => {
    const room = await openRoom(browser, server.httpUrl, await server.token("delegate"));
    await room.page.waitForSelector("#app", { state: "attached" });
    expect(await room.page.evaluate(() => document.querySelector("#app") !== null)).toBe(true);
    expect(room.errors).toEqual([]);
  });

  it("loads the projector view without page or console errors", async () => {
    const room = await openRoom(browser, server.httpUrl, await server.token("observer"), { view: "projector" });
    await room.page.waitForSelector("#app", { state: "attached" });
    expect(room.errors).toEqual([]);
  });
});

describe("client not built", () => {
  it("answers / with 503 and how to build, and leaves other routes alone", async () => {
    const distDir = tempDir("gavel-no-dist");
    const app = Fastify({ logger: false });
    await app.register(clientPlugin, { distDir });
    app.get("/healthz", async () => ({ ok: true }));
    try {
      const page = await app.inject({ url: "/?token=x&view=projector" });
      expect(page.statusCode).toBe(503);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.body).toContain("npm run build:client");
      expect((await app.inject({ url: "/assets/index-00000000.js" })).statusCode).toBe(404);
      expect((await app.inject({ url: "/healthz" })).json()).toEqual({ ok: true });
    } finally {
      await app.close();
      rmSync(distDir, { recursive: true, force: true });
    }
  });
});
