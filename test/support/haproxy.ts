import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./redis.ts";
import { tempDir } from "./tmp.ts";

export interface HaproxyProcess {
  readonly pid: number;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly output: () => string;
  /** SIGTERM to this process only, then waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * The configuration the tests use is the one we deploy (deploy/haproxy.cfg, as docker-compose
 * runs it), listening on `port` of loopback and with the local nodes as its servers.
 */
export function haproxyConfig(port: number, backends: readonly number[]): string {
  const deployed = readFileSync(fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url)), "utf8");
  const lines = deployed.split("\n").filter((line) => !/^\s*server\s/.test(line));
  const bind = lines.findIndex((line) => /^\s*bind\s/.test(line));
  if (bind < 0) throw new Error("deploy/haproxy.cfg has no bind line");
  lines[bind] = `  bind 127.0.0.1:${port}`;
  const servers = backends.map((backend, i) => `  server node${i + 1} 127.0.0.1:${backend}`);
  return [...lines, ...servers, ""].join("\n");
}

/**
 * Debian's `haproxy` in the foreground on a free port, in front of `backends` (local ports);
 * resolves once it accepts TCP connections. The caller stops it, by its PID.
 */
export async function startHaproxy(backends: readonly number[]): Promise<HaproxyProcess> {
  const port = await freePort();
  const file = join(tempDir("gavel-haproxy-"), "haproxy.cfg");
  writeFileSync(file, haproxyConfig(port, backends));
  const child: ChildProcess = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await exited;
  };
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${output}`);
    try {
      if ((await fetch(`${httpUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet, or no backend up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not answer /healthz:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (child.pid === undefined) throw new Error("no pid");
  return { pid: child.pid, port, httpUrl, wsUrl: `ws://127.0.0.1:${port}`, output: () => output, stop };
}
