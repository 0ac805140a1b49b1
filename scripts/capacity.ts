/**
 * `npm run bench`: Gavel against two memory-only anchors, in one run, with the same stock
 * clients: the y-websocket server (`@y/websocket-server`) and Hocuspocus (`@hocuspocus/server`),
 * then Gavel on SQLite, on Redis and on `/collab`. Each server starts fresh for each scenario,
 * pinned to CPU 0 when `taskset` exists; this process (every client) is pinned to CPU 1.
 * Prints each figure and Gavel's ratio to each anchor, and writes docs/BENCHMARKS.md.
 *
 * The load scenarios also run two Gavel nodes sharing Redis (SHARED_STORE), the clients of each
 * room spread over both, CPU summed over the nodes, read against one node.
 *
 * Environment: BENCH_SECONDS (measured typing time per load scenario, default 20), BENCH_SEED,
 * BENCH_ONLY (comma-separated scenario ids), BENCH_TARGETS (comma-separated target ids),
 * BENCH_WARMUP_SECONDS (unmeasured typing before each window, default 2),
 * BENCH_REDIS_URL (default: 127.0.0.1:6379 when it answers).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { secretKey, signToken } from "@gavel/server";
import { redisAnswers } from "../test/support/redis.ts";
import { fixed, machineBusySeconds, pinSelf } from "./benchSupport.ts";
import {
  IDLE_SECONDS,
  LOADS,
  type LoadFigures,
  median,
  runIdle,
  runIngestAndCold,
  runLoad,
  runStorm,
  STORM_ROUNDS,
  TARGETS,
  type Target,
  type TargetId,
  TWO_NODES,
  WARMUP_MS,
} from "./capacityRuns.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPORT_FILE = join(ROOT, "docs", "BENCHMARKS.md");

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const ONLY_TARGETS = (process.env.BENCH_TARGETS ?? "").split(",").filter(Boolean);

interface Row {
  readonly label: string;
  /** Lower is better (ratios are Gavel / anchor). */
  readonly values: Map<TargetId, number | null>;
  readonly digits: number;
  readonly unit: string;
}

// Every stock WebsocketProvider adds a process 'exit' listener; a storm opens 1,000 of them.
process.setMaxListeners(0);

async function main(): Promise<void> {
  const pinned = pinSelf(1);
  const redisUrl =
    process.env.BENCH_REDIS_URL ?? ((await redisAnswers("redis://127.0.0.1:6379")) ? "redis://127.0.0.1:6379" : null);
  const targets = TARGETS.filter(
    (t) => (ONLY_TARGETS.length === 0 || ONLY_TARGETS.includes(t.id)) && (t.id !== "redis" || redisUrl),
  );
  const secret = `bench-${randomBytes(24).toString("hex")}`;
  const context = { root: ROOT, secret, key: secretKey(secret), redisUrl, seconds: SECONDS, sign: signToken };
  const machineStart = machineBusySeconds();
  const started = performance.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = (label: string, unit: string, digits = 0): Row => {
    const r: Row = { label, unit, digits, values: new Map() };
    rows.push(r);
    return r;
  };

  const loads = LOADS.filter((l) => ONLY.length === 0 || ONLY.includes(l.id));
  // Two nodes sharing Redis (clients of each room spread over both) run the load scenarios only.
  const withTwoNodes = redisUrl !== null && (ONLY_TARGETS.length === 0 || ONLY_TARGETS.includes("redis2"));
  const loadTargets = withTwoNodes ? [...targets, TWO_NODES] : targets;
  for (const load of loads) {
    const cpu = row(`${load.title}: CPU µs per delivered edit`, "µs");
    const p50 = row(`${load.title}: p50 ms`, "ms", 1);
    const p99 = row(`${load.title}: p99 ms`, "ms", 1);
    const elu = row(`${load.title}: load generator ELU`, "", 2);
    const batch = row(`${load.title}: records per SQLite/Redis append`, "", 2);
    for (const target of loadTargets) {
      const figures = await attempt(`${load.id} on ${target.id}`, notes, () => runLoad(context, target, load));
      record(figures, target, { cpu, p50, p99, elu, batch });
      if (figures?.otherOutcomes)
        notes.push(`${load.id} on ${target.id}: write outcomes besides applied: ${figures.otherOutcomes}`);
    }
  }
  if (ONLY.length === 0 || ONLY.includes("storm")) {
    const storm = row("connect storm, 1,000 clients (10 rooms): all synced", "s", 2);
    const perClient = row("connect storm: server RSS per client", "KB");
    // STORM_ROUNDS rounds, every server once per round (each a fresh one), read as medians: one
    // storm of about a second is too noisy on a shared machine to compare servers by.
    const runs = new Map<string, { seconds: number; kbPerClient: number }[]>();
    for (let round = 0; round < STORM_ROUNDS; round++) {
      for (const target of targets) {
        const figures = await attempt(`storm on ${target.id}`, notes, () => runStorm(context, target));
        if (figures) runs.set(target.id, [...(runs.get(target.id) ?? []), figures]);
      }
    }
    for (const target of targets) {
      const got = runs.get(target.id) ?? [];
      storm.values.set(target.id, got.length > 0 ? median(got.map((f) => f.seconds)) : null);
      perClient.values.set(target.id, got.length > 0 ? median(got.map((f) => f.kbPerClient)) : null);
    }
  }
  if (ONLY.length === 0 || ONLY.includes("idle")) {
    const early = row("server RSS before any client, 1 s after start", "MB");
    const settled = row(`server RSS before any client, ${IDLE_SECONDS} s after start`, "MB");
    for (const target of targets) {
      const figures = await attempt(`idle on ${target.id}`, notes, () => runIdle(context, target));
      early.values.set(target.id, figures?.earlyMb ?? null);
      settled.values.set(target.id, figures?.settledMb ?? null);
    }
  }
  if (ONLY.length === 0 || ONLY.includes("cold")) {
    const ingest = row("ingest of 50,000 updates (one writer)", "updates/s");
    const cold1 = row("1 MB clause unloaded, 1 client: server ms, sync step 1 to sync step 2", "ms", 1);
    const cold1e2e = row("same: end to end, until the client is synced", "ms");
    const cold10 = row("same, 10 clients at once: server CPU / one client's", "x", 2);
    const failed = row("append batches failed (burst)", "");
    for (const target of targets) {
      const figures = await attempt(`ingest on ${target.id}`, notes, () => runIngestAndCold(context, target));
      ingest.values.set(target.id, figures?.ingestPerSecond ?? null);
      cold1.values.set(target.id, figures?.coldServerMs ?? null);
      cold1e2e.values.set(target.id, figures?.coldEndToEndMs ?? null);
      cold10.values.set(target.id, figures?.tenVsOneCpu ?? null);
      failed.values.set(target.id, figures?.failedBatches ?? null);
    }
  }
  const wall = (performance.now() - started) / 1000;
  const otherCpu = machineBusySeconds() - machineStart;
  const report = render(rows, loadTargets, notes, { pinned, wall, otherCpu, seconds: SECONDS });
  process.stdout.write(`\n${report}\n`);
  writeFileSync(REPORT_FILE, report);
}

function record(
  figures: LoadFigures | null,
  target: Target,
  rows: { cpu: Row; p50: Row; p99: Row; elu: Row; batch: Row },
): void {
  rows.cpu.values.set(target.id, figures?.cpuUsPerDelivery ?? null);
  rows.p50.values.set(target.id, figures?.p50 ?? null);
  rows.p99.values.set(target.id, figures?.p99 ?? null);
  rows.elu.values.set(target.id, figures?.loadElu ?? null);
  rows.batch.values.set(target.id, figures?.batchRecords ?? null);
}

async function attempt<T>(what: string, notes: string[], run: () => Promise<T>): Promise<T | null> {
  process.stdout.write(`[bench] ${what}\n`);
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`[bench] ${what} failed: ${message}\n`);
    notes.push(`${what} failed: ${message.split("\n")[0]}`);
    return null;
  }
}

function cell(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || Number.isNaN(value) ? "-" : fixed(value, digits);
}

function render(
  rows: readonly Row[],
  targets: readonly Target[],
  notes: readonly string[],
  run: { pinned: boolean; wall: number; otherCpu: number; seconds: number },
): string {
  const anchors = targets.filter((t) => !t.gavel);
  const gavels = targets.filter((t) => t.gavel);
  // Two nodes are read against one node (Redis) as well as against the anchors.
  const pairs: [Target, Target][] = gavels.flatMap((g) => anchors.map((a): [Target, Target] => [g, a]));
  const oneNode = targets.find((t) => t.id === "redis");
  const twoNodes = targets.find((t) => t.id === "redis2");
  if (oneNode && twoNodes) pairs.push([twoNodes, oneNode]);
  const head = ["figure", ...targets.map((t) => t.label), ...pairs.map(([g, a]) => `${g.short} / ${a.short}`)];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`];
  for (const r of rows) {
    const values = targets.map((t) => cell(r.values.get(t.id), r.digits));
    const ratios = pairs.map(([g, a]) => {
      const gv = r.values.get(g.id);
      const av = r.values.get(a.id);
      return gv == null || av == null || av === 0 ? "-" : `${fixed(gv / av, 2)}x`;
    });
    lines.push(`| ${r.label}${r.unit ? ` (${r.unit})` : ""} | ${[...values, ...ratios].join(" | ")} |`);
  }
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `# Benchmarks

Generated by \`npm run bench\` (scripts/capacity.ts); each run overwrites this file. The older
Gavel-only load report is \`npm run bench:gavel\` (scripts/bench.ts).

## What was run

- Date: ${new Date().toISOString()}; ${cpus().length} logical CPUs (${cpu}); Node ${process.version}.
- Servers, each started fresh for each scenario as a child process${run.pinned ? ", pinned to CPU 0 with taskset; the load generator (this process, every client) pinned to CPU 1" : " (taskset not found: nothing pinned)"}:
  the y-websocket server (\`@y/websocket-server\` 0.1.1, memory only), Hocuspocus
  (\`@hocuspocus/server\` 4.7.0, memory, no extensions), and Gavel (the bundle \`server/dist/main.js\`
  when built, else from source) on SQLite (default, \`synchronous=FULL\`), on Redis, and on \`/collab\`
  (SQLite). Gavel runs with \`MAX_FRAMES_PER_SECOND=100000\` (its default rate limit would close the
  ingest writer) and \`UNLOAD_AFTER_MS=1000\`; everything else is its default. In the load scenarios,
  "Gavel Redis, 2 nodes" is two Gavel nodes sharing the Redis store (\`SHARED_STORE=true\`), both on the
  server's core, client _i_ of every room connected to node _i_ mod 2; its CPU is summed over both
  nodes, and "Redis x2 / Redis" reads it against one node in the same run.
- Clients: stock y-websocket \`WebsocketProvider\` (y-websocket server, Gavel SQLite and Redis on \`/y\`)
  and \`@hocuspocus/provider\` (Hocuspocus, Gavel \`/collab\`), one Y.Doc per simulated user, over Node \`ws\`.
  Every client edits the clause's \`Y.XmlFragment("default")\` as the room's editor does: a marker
  inserted into the first paragraph's \`Y.XmlText\`, and every 25th edit of a client (each at its own phase) a bracket of its
  delegation (the \`bracket\` mark). Anchor rooms start from the same clause content.
- Measured typing time per load scenario: ${run.seconds} s after ${WARMUP_MS / 1000} s of warm-up (BENCH_WARMUP_SECONDS). CPU: utime + stime of the
  server's PID from \`/proc\` over the window, divided by the deliveries (one edit received by one other
  client). Latency: send to receipt of each marker, nearest-rank percentiles. Load generator ELU:
  \`performance.eventLoopUtilization\` of this process over the window; above about 0.7 the latency
  figures are the harness's. Records per append (Gavel's \`/metrics\`, read before typing starts, as
  its first HTTP request deoptimised hot stream code) cover the warm-up and the window.
- Connect storm: 1,000 stock clients (10 rooms of 100) connect at once to a server started 1 s
  before; seconds until every one is synced, and the server's RSS growth per client. ${STORM_ROUNDS} rounds,
  every server once per round (a fresh one each time); each figure is the median.
- Ingest: one stock client of a room types 50,000 updates of 20 characters, each at the start of the
  clause's first paragraph, while a second client of the room waits for all of them: updates/s from
  the first insertion until the second client holds the last. At the start and not at the end: Yjs
  merges one client's consecutive insertions into one item, and encoding each new update from a
  document holding that item slices its ever longer concatenated string (\`ContentString.write\`), a
  cost quadratic in the clause that took 13 of the y-websocket server's 19 CPU seconds and made the
  figure the writer's. The cold loads then read that clause, unloaded, by 1 and by 10 fresh clients,
  alternately, 3 times each; each figure is the median. Their "server CPU / one client's" sums each
  thread's run time from \`/proc/PID/task/*/schedstat\` (nanoseconds; utime and stime count in ticks
  of 10 ms, too coarse for a load of a few milliseconds) from the first connection until the server
  is quiet again (under 2 ms of CPU in 50 ms): the clause's replay goes on after its stored state
  was sent, and reading the CPU when the clients are synced counted a random part of it.
- Server RSS before any client: each server started alone and left alone, read from \`/proc\` 1 s
  after its health check answers and ${IDLE_SECONDS} s after (BENCH_IDLE_SECONDS), when its start-up garbage has been
  collected and Gavel's idle SQLite writer thread has stopped (\`SQLITE_WRITER_IDLE_MS\`, 30 s).
- Whole run: ${fixed(run.wall, 0)} s of wall time; the machine was busy ${fixed(run.otherCpu, 0)} CPU-seconds in
  that time (every process, this bench and its servers included). The machine is shared with other work:
  figures are noisy, rerun on a quiet machine before quoting them.

## Results

Ratios are Gavel's figure divided by the anchor's (lower is better, but for ingest).

${lines.join("\n")}
${notes.length > 0 ? `\n## Notes and failures\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}`;
}

await main();
