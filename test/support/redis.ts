import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { createClient } from "redis";

const DEFAULT_URL = "redis://127.0.0.1:6379";
const START_TIMEOUT_MS = 5_000;

/** Resolves true when a Redis server answers PING at `url` within `timeoutMs`; never retries. */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  client.on("error", () => {}); // reported through connect()/ping() rejecting
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, synchronously: for exit handlers. */
  kill(): void;
}

/** A port that was free a moment ago (listen on port 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/**
 * Spawns a private `redis-server` on a free local port (or `port`) and waits (at most 5 s)
 * until it answers PING. Memory-only, unless `dir` is given: then it keeps an append-only file
 * there (fsync always), so that a restart on the same port and dir finds the data again;
 * `extraArgs` are appended (e.g. cluster mode). The
 * caller owns it: call `stop()` (e.g. in `afterAll`). It is only ever signalled through its PID.
 */
export async function startRedisServer(
  options: { port?: number; dir?: string; extraArgs?: readonly string[] } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const persistence = options.dir
    ? ["--dir", options.dir, "--appendonly", "yes", "--appendfsync", "always"]
    : ["--appendonly", "no"];
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    ...persistence,
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let exited = child.exitCode !== null;
  let spawnError: Error | null = null;
  child.on("error", (error) => (spawnError = error));
  const exit = new Promise<void>((resolve) => {
    child.once("close", () => {
      exited = true;
      resolve();
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const kill = () => {
    if (!exited && child.pid !== undefined) child.kill("SIGKILL");
  };
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(kill, 5_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await redisAnswers(url, 200))) {
    if (spawnError !== null || exited || Date.now() > deadline) {
      kill();
      const reason = spawnError ?? (exited ? "exited" : `no PING answer within ${START_TIMEOUT_MS} ms`);
      throw new Error(`redis-server on port ${port} did not start: ${String(reason)}\n${output}`);
    }
    await delay(50);
  }
  return { url, port, stop, kill };
}

let privateServer: Promise<RedisServer> | null = null;

/**
 * Where tests find Redis: `REDIS_URL` when set; else a server answering on 127.0.0.1:6379;
 * else a private `redis-server` started once per test process (vitest runs each file in its
 * own fork) and killed, by its PID, when that process exits.
 */
export async function redisUrlForTests(): Promise<string> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return fromEnv;
  if (await redisAnswers(DEFAULT_URL)) return DEFAULT_URL;
  privateServer ??= startRedisServer().then((server) => {
    process.once("exit", () => server.kill());
    return server;
  });
  return (await privateServer).url;
}

/** A key prefix no other run, file or suite shares: `gavel-test:NAME:PID:RANDOM:`. */
export function testPrefix(name: string): string {
  return `gavel-test:${name}:${process.pid}:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefixes` at `url` (a test run's own keys, never anyone else's). */
export async function deleteKeys(url: string, prefixes: readonly string[]): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for (const prefix of prefixes) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    }
  } finally {
    client.destroy();
  }
}
