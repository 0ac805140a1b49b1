import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
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
 * The configuration the tests use, as docs/DEPLOYMENT.md describes for production: round-robin
 * over the nodes, WebSocket tunnels kept open (`timeout tunnel`), a node taken out of rotation
 * once `/readyz` fails, and new connections sent elsewhere at once when a node is down.
 */
export function haproxyConfig(port: number, backends: readonly number[]): string {
  const servers = backends.map(
    (backend, i) =>
      `  server node${i + 1} 127.0.0.1:${backend} check inter 500 fall 2 rise 2 on-marked-down shutdown-sessions`,
  );
  return [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout tunnel 1h",
    "  option redispatch",
    "  retries 2",
    "frontend gavel",
    `  bind 127.0.0.1:${port}`,
    "  default_backend nodes",
    "backend nodes",
    "  balance roundrobin",
    "  option httpchk GET /readyz",
    ...servers,
    "",
  ].join("\n");
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
