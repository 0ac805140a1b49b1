import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { secretKey, verifyToken } from "@gavel/server";
import { describe, expect, it } from "vitest";
import { api } from "./support/api.ts";
import { TEST_SECRET, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const run = promisify(execFile);

describe("command line", () => {
  it("npm run token prints a verifiable token as its last line", async () => {
    const { stdout } = await run(
      "npm",
      [
        "run",
        "-s",
        "token",
        "--",
        "--session",
        "demo",
        "--role",
        "delegate",
        "--name",
        "Delegate of CEPT",
        "--delegation",
        "CEPT",
        "--ttl",
        "2h",
      ],
      {
        env: { ...process.env, AUTH_SECRET: TEST_SECRET },
      },
    );
    const token = stdout.trim().split("\n").at(-1) ?? "";
    const { actor, expiresAt } = await verifyToken(secretKey(TEST_SECRET), token);
    expect(actor).toMatchObject({ name: "Delegate of CEPT", role: "delegate", delegation: "CEPT", session: "demo" });
    expect(expiresAt - Date.now()).toBeGreaterThan(7100_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(7200_000);
    await expect(
      run("npm", ["run", "-s", "token", "--", "--session", "demo", "--role", "king", "--name", "X"], {
        env: { ...process.env, AUTH_SECRET: TEST_SECRET },
      }),
    ).rejects.toThrow(/--role/);
  });

  it("without AUTH_SECRET the server keeps a secret in DATA_DIR, seeds the demo session and prints working join links", async () => {
    const dataDir = tempDir("gavel-dev-");
    const server = await spawnServer({ DATA_DIR: dataDir, AUTH_SECRET: "" });
    expect(existsSync(join(dataDir, "auth-secret"))).toBe(true);
    expect(existsSync(join(dataDir, "gavel.sqlite"))).toBe(true);
    // The links are printed just after the server starts listening.
    await waitUntil(() => /^\s+observer\s+http/m.test(server.output()), "join links printed");
    const links = [...server.output().matchAll(/^\s+(chair|delegate|observer)\s+(http\S+)$/gm)];
    expect(links.map((m) => m[1])).toEqual(["chair", "delegate", "observer"]);
    for (const [, role, link] of links) {
      const token = new URL(link ?? "").searchParams.get("token") ?? "";
      const summary = await api<{ id: string }>(server.httpUrl, token, "GET", "/api/sessions/demo");
      expect(summary.status, role).toBe(200);
    }
  });
});
