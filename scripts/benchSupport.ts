/**
 * Helpers for scripts/bench.ts: the server as a child process (started, health-checked and
 * stopped by its own PID), /proc readings of that PID, Prometheus text parsing, a seeded PRNG
 * and percentiles. Nothing here touches any process but the one it spawned.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/** Configuration variables of the server (server/src/config.ts): never inherited from our env. */
const SERVER_CONFIG_VARS = [
  "PORT",
  "HOST",
  "DATA_DIR",
  "REDIS_URL",
  "REDIS_PREFIX",
  "AUTH_SECRET",
  "ALLOWED_ORIGINS",
  "LOG_LEVEL",
  "MAX_MESSAGE_BYTES",
  "MAX_BUFFERED_BYTES",
  "MAX_FRAMES_PER_SECOND",
  "UNLOAD_AFTER_MS",
  "COMPACT_EVERY",
  "KEEPALIVE_MS",
  "DEMO_SESSION",
];

const OUTPUT_LIMIT = 256 * 1024;

export interface ServerChild {
  readonly pid: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Everything the server printed (stdout and stderr, the last 256 KiB). */
  output(): string;
  readonly exited: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<string>;
  /** SIGKILL, synchronously: for exit handlers. */
  kill(): void;
}

export interface StartOptions {
  readonly cwd: string;
  readonly port: number;
  readonly env: Record<string, string>;
  readonly healthTimeoutMs: number;
  /** Node arguments of the server (default: Gavel from source through tsx). */
  readonly args?: readonly string[];
  /** Path answering 200 once the server is up. */
  readonly healthPath?: string;
  /** A CPU to pin the server to (with `taskset`, when it exists). */
  readonly cpu?: number;
}

let tasksetFound: boolean | null = null;

/** Whether `taskset` (util-linux) can pin processes here. */
export function hasTaskset(): boolean {
  if (tasksetFound === null) {
    try {
      execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
      tasksetFound = true;
    } catch {
      tasksetFound = false;
    }
  }
  return tasksetFound;
}

/** Pins this process (the load generator) to `cpu`, when taskset exists. */
export function pinSelf(cpu: number): boolean {
  if (!hasTaskset()) return false;
  execFileSync("taskset", ["-pc", String(cpu), String(process.pid)], { stdio: "ignore" });
  return true;
}

/**
 * Spawns `node ARGS` (default `--import tsx server/src/main.ts`; the PID is the server's own),
 * with the server's configuration taken only from `env`, and waits until GET `healthPath`
 * (default /healthz) answers 200.
 */
export async function startServerChild(options: StartOptions): Promise<ServerChild> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SERVER_CONFIG_VARS.includes(key)) env[key] = value;
  }
  Object.assign(env, options.env, { PORT: String(options.port), HOST: "127.0.0.1" });
  // BENCH_NODE_ARGS: extra Node flags for the server (e.g. --cpu-prof), for investigating.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const args = [...nodeArgs, ...(options.args ?? ["--import", "tsx", "server/src/main.ts"])];
  // taskset execs node: the PID stays the server's own.
  const pinned = options.cpu !== undefined && hasTaskset();
  const [file, argv] = pinned
    ? ["taskset", ["-c", String(options.cpu), process.execPath, ...args]]
    : [process.execPath, args];
  const child: ChildProcess = spawn(file, argv, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error("the server process could not be spawned");
  const pid = child.pid;
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exitedWith: string | null = null;
  const exit = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedWith = signal ? `signal ${signal}` : `code ${code}`;
      resolve(exitedWith);
    });
  });
  child.on("error", (error) => collect(Buffer.from(`spawn error: ${error.message}\n`)));

  const kill = () => {
    if (exitedWith === null) child.kill("SIGKILL");
  };
  const stop = async (graceMs = 5_000): Promise<string> => {
    if (exitedWith !== null) return exitedWith;
    child.kill("SIGTERM");
    const timer = setTimeout(kill, graceMs);
    const how = await exit;
    clearTimeout(timer);
    return how;
  };

  const httpUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + options.healthTimeoutMs;
  for (;;) {
    if (exitedWith !== null) throw new Error(`the server exited during start (${exitedWith}):\n${output}`);
    try {
      const response = await fetch(`${httpUrl}${options.healthPath ?? "/healthz"}`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`the server did not answer /healthz within ${options.healthTimeoutMs} ms:\n${output}`);
    }
    await delay(100);
  }

  return {
    pid,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${options.port}`,
    output: () => output,
    get exited() {
      return exitedWith !== null;
    },
    stop,
    kill,
  };
}

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuTimes {
  readonly user: number;
  readonly system: number;
}

/** User and system CPU seconds the process has used (/proc/PID/stat utime, stime). */
export function cpuTimesOf(pid: number): CpuTimes {
  return timesOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** `read` of each live thread of a process (/proc/PID/task/TID/FILE), by thread id; threads that end meanwhile are left out. */
function eachTask<T>(pid: number, file: string, read: (text: string) => T): Map<string, T> {
  const out = new Map<string, T>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(tid, read(readFileSync(`/proc/${pid}/task/${tid}/${file}`, "utf8")));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** utime and stime of a /proc stat line; the command name may contain spaces, so fields are counted after its parenthesis. */
function timesOfStat(stat: string): CpuTimes {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return { user: Number(fields[11]) / clockTicks(), system: Number(fields[12]) / clockTicks() };
}

/**
 * User and system CPU seconds per thread of a process, keyed by thread name and id: where a
 * server's CPU goes (main thread, workers, V8, libuv).
 */
export function threadCpuOf(pid: number): Map<string, CpuTimes> {
  const threads = eachTask(pid, "stat", (stat) => ({
    name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
    times: timesOfStat(stat),
  }));
  return new Map([...threads].map(([tid, t]) => [`${t.name}#${tid}`, t.times]));
}

/**
 * CPU seconds the live threads of a process have run, in nanoseconds' precision (the first
 * field of /proc/PID/task/TID/schedstat): for figures too short for utime and stime, which count
 * in ticks of 10 ms. Threads that exited meanwhile are not counted.
 */
export function runSecondsOf(pid: number): number {
  const ns = eachTask(pid, "schedstat", (text) => Number(text.split(" ")[0]));
  return [...ns.values()].reduce((sum, n) => sum + n, 0) / 1e9;
}

/** Busy CPU seconds of the whole machine, all cores (/proc/stat: total - idle - iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / clockTicks();
}

/** Resident set size in bytes (/proc/PID/status VmRSS); 0 when it cannot be read. */
export function rssBytesOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Prometheus samples by their full name with labels, e.g. `gavel_updates_total{outcome="applied"}`. */
export type Samples = Map<string, number>;

export async function fetchMetrics(httpUrl: string): Promise<Samples> {
  const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** after - before for one sample (0 when absent). */
export function delta(before: Samples, after: Samples, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

/** after - before for every labelled sample of a metric, by its label text; zero deltas omitted. */
export function labelledDeltas(before: Samples, after: Samples, metric: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const key of after.keys()) {
    if (!key.startsWith(`${metric}{`)) continue;
    const change = delta(before, after, key);
    if (change !== 0) result.set(key.slice(metric.length + 1, -1), change);
  }
  return result;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
