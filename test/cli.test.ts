import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { secretKey, verifyToken } from "@gavel/server";
import { describe, expect, it } from "vitest";
import { api } from "./support/api.ts";
import { TEST_SECRET, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const run = promisify(execFile);
const DELEGATE = ["--session", "demo", "--role", "delegate", "--name", "Delegate of CEPT", "--delegation", "CEPT"];

/** `npm run token` with the environment given (and nothing of the test runner's own AUTH_SECRET, DATA_DIR, HOST, PORT). */
function token(args: readonly string[], env: Record<string, string>) {
  const { AUTH_SECRET: _a, DATA_DIR: _d, HOST: _h, PORT: _p, ...rest } = process.env;
  return run("npm", ["run", "-s", "token", "--", ...args], { env: { ...rest, ...env } });
}

describe("command line", () => {
  it("npm run token prints a join link and a verifiable token as its last line", async () => {
    const { stdout } = await token([...DELEGATE, "--ttl", "2h"], { AUTH_SECRET: TEST_SECRET });
    const lines = stdout.trim().split("\n");
    const signed = lines.at(-1) ?? "";
    const { actor, expiresAt } = await verifyToken(secretKey(TEST_SECRET), signed);
    expect(actor).toMatchObject({ name: "Delegate of CEPT", role: "delegate", delegation: "CEPT", session: "demo" });
    expect(expiresAt - Date.now()).toBeGreaterThan(7100_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7200_000);
    // The link uses the server's defaults (HOST, PORT), or --url.
    expect(lines).toContain(`  http://127.0.0.1:1234/?token=${signed}`);
    const moved = await token([...DELEGATE], { AUTH_SECRET: TEST_SECRET, HOST: "0.0.0.0", PORT: "4321" });
    expect(moved.stdout).toMatch(/^ {2}http:\/\/127\.0\.0\.1:4321\/\?token=\S+$/m);
    const proxied = await token([...DELEGATE, "--url", "https://gavel.example.org/room"], { AUTH_SECRET: TEST_SECRET });
    expect(proxied.stdout).toMatch(/^ {2}https:\/\/gavel\.example\.org\/room\/\?token=\S+$/m);
    await expect(
      token(["--session", "demo", "--role", "king", "--name", "X"], { AUTH_SECRET: TEST_SECRET }),
    ).rejects.toThrow(/--role/);
  });

  it("npm run token without AUTH_SECRET refuses to sign when DATA_DIR holds no development secret, and says where it looked", async () => {
    const dataDir = tempDir("gavel-no-secret-");
    const failed = await token(DELEGATE, { DATA_DIR: dataDir }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`no development secret in ${join(resolve(dataDir), "auth-secret")}`);
    expect(failed?.stderr).toMatch(/npm start/);
    expect(failed?.stderr).toMatch(/DATA_DIR=/);
    // Nothing was created there: a secret the server does not use would sign refused tokens.
    expect(existsSync(join(dataDir, "auth-secret"))).toBe(false);
  });

  it("without AUTH_SECRET the server keeps a secret in DATA_DIR, prints working join links, and the exact command that mints more", async () => {
    const dataDir = tempDir("gavel-dev-");
    const server = await spawnServer({ DATA_DIR: dataDir, AUTH_SECRET: "", LOG_LEVEL: "info" });
    expect(existsSync(join(dataDir, "auth-secret"))).toBe(true);
    expect(existsSync(join(dataDir, "gavel.sqlite"))).toBe(true);
    // The links are printed just after the server starts listening.
    await waitUntil(() => /^More join links: /m.test(server.output()), "join links printed");
    const links = [...server.output().matchAll(/^\s+(chair|delegate|observer)\s+(http\S+)$/gm)];
    const roles = ["chair", "delegate", "observer"];
    expect(links.map((m) => m[1])).toEqual([...roles, ...roles]);
    // The Tiptap demo first, then its Lexical twin from the same template.
    for (const [i, [, role, link]] of links.entries()) {
      const [session, editor] = i < 3 ? ["demo", "tiptap"] : ["demo-lexical", "lexical"];
      const signed = new URL(link ?? "").searchParams.get("token") ?? "";
      const summary = await api<{ id: string; editor: string }>(
        server.httpUrl,
        signed,
        "GET",
        `/api/sessions/${session}`,
      );
      expect(summary.status, role).toBe(200);
      expect(summary.body.editor).toBe(editor);
    }
    expect(server.output()).toContain('session "demo-lexical" (Lexical room):');

    // The printed command, run as printed in a shell without the server's environment.
    const command = /^More join links: (.+)$/m.exec(server.output())?.[1] ?? "";
    expect(command).toContain(`DATA_DIR=${resolve(dataDir)} npm run token -- --session demo --role delegate`);
    expect(command).toContain(`--url ${server.httpUrl}`);
    const { AUTH_SECRET: _a, DATA_DIR: _d, HOST: _h, PORT: _p, ...env } = process.env;
    const { stdout } = await run("sh", ["-c", command], { env });
    const minted = stdout.trim().split("\n").at(-1) ?? "";
    expect(stdout).toContain(`${server.httpUrl}/?token=${minted}`);
    const summary = await api(server.httpUrl, minted, "GET", "/api/sessions/demo");
    expect(summary.status).toBe(200);

    // At info level, HTTP requests are not logged (they are at debug).
    expect(server.output()).not.toMatch(/incoming request|request completed/);
  });

  it("with LOG_LEVEL=debug the server logs every request", async () => {
    const server = await spawnServer({ LOG_LEVEL: "debug", DEMO_SESSION: "" });
    await fetch(`${server.httpUrl}/healthz`);
    await waitUntil(() => /request completed/.test(server.output()), "request logged");
    expect(server.output()).toMatch(/"level":20[^\n]*"msg":"request completed"/);
    expect(server.output()).toMatch(/More join links: AUTH_SECRET="\$AUTH_SECRET" npm run token -- --session SESSION/);
  });
});
