import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { onTestFinished } from "vitest";
import { freePort } from "./redis.ts";
import { TEST_SECRET } from "./server.ts";

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly output: () => string;
  /** Sends the signal to this process only and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  alive(): boolean;
}

/**
 * The real server (`server/src/main.ts`, as `npm start` runs it) in a child process on a free
 * port (or `onPort`, to start a node again where it was); stopped by its PID when the test finishes.
 */
export async function spawnServer(env: Record<string, string>, onPort?: number): Promise<ServerProcess> {
  const port = onPort ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    env: { ...process.env, AUTH_SECRET: TEST_SECRET, LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit");
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  onTestFinished(() => kill("SIGKILL"));
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      if ((await fetch(`${httpUrl}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (child.pid === undefined) throw new Error("no pid");
  return {
    pid: child.pid,
    port,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    output: () => output,
    kill,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}
