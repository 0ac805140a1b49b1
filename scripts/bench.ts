/**
 * `npm run bench`: end-to-end load figures of the real server, started as a child process,
 * with stock clients (y-websocket and @hocuspocus/provider) typing at human rates on loopback.
 * Prints a markdown report and writes it to docs/BENCHMARKS.md.
 *
 * Environment: BENCH_SECONDS (typing time per scenario, default 10), BENCH_SEED (PRNG seed),
 * BENCH_ONLY (comma-separated scenario ids), BENCH_REDIS_URL (adds a run on the Redis store).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { TEMPLATES } from "@gavel/model";
import { secretKey, signToken } from "@gavel/server";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { createClient } from "redis";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { freePort } from "../test/support/redis.ts";
import {
  cpuTimesOf,
  delta,
  fetchMetrics,
  fixed,
  labelledDeltas,
  machineBusySeconds,
  mulberry32,
  percentile,
  rssBytesOf,
  type Samples,
  type ServerChild,
  startServerChild,
} from "./benchSupport.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPORT_FILE = join(ROOT, "docs", "BENCHMARKS.md");

function envInt(key: string, fallback: number, min: number, max: number): number {
  const raw = process.env[key]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const SECONDS = envInt("BENCH_SECONDS", 10, 1, 300);
const SEED = envInt("BENCH_SEED", 20_240_917, 0, 2 ** 31 - 1);
const REDIS_URL = process.env.BENCH_REDIS_URL?.trim() || null;
const ONLY = (process.env.BENCH_ONLY ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

/** Typing rate of one client: one small insert every MIN..MAX ms (uniform, seeded). */
const MIN_GAP_MS = 100;
const MAX_GAP_MS = 250;
const CONNECT_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 5_000;
const IDLE_MS = 3_000;
const WARMUP_MS = 2_000;
const RSS_SAMPLE_MS = 500;
/** Server variables the bench sets beyond port, data dir, secret and log level: none. */
const SERVER_OVERRIDES: Record<string, string> = {};
const SECRET = `bench-${randomBytes(24).toString("hex")}`;
const DELEGATIONS = ["AFR", "ARB", "APT", "CEPT", "CITEL", "RCC"] as const;
const SESSION = "demo";

type Endpoint = "plain" | "multiplexed";
type StoreKind = "sqlite" | "redis";

interface Scenario {
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly clients: number;
  readonly docs: number;
  readonly store: StoreKind;
}

const SCENARIOS: readonly Scenario[] = [
  { id: "plain-10x2", endpoint: "plain", clients: 10, docs: 2, store: "sqlite" },
  { id: "plain-50x10", endpoint: "plain", clients: 50, docs: 10, store: "sqlite" },
  { id: "plain-100x20", endpoint: "plain", clients: 100, docs: 20, store: "sqlite" },
  { id: "mux-20x5", endpoint: "multiplexed", clients: 20, docs: 5, store: "sqlite" },
  ...(REDIS_URL
    ? ([
        { id: "plain-100x20-redis", endpoint: "plain", clients: 100, docs: 20, store: "redis" },
        { id: "mux-20x5-redis", endpoint: "multiplexed", clients: 20, docs: 5, store: "redis" },
      ] as const)
    : []),
];

/** Every clause document of the demo session, in template order. */
const CLAUSE_DOCS: readonly string[] = TEMPLATES["wtdc-action-plan"].sections.flatMap((section) =>
  section.clauses.map((clause) => `${SESSION}/${section.id}/${clause.id}`),
);

interface Attachment {
  readonly docIndex: number;
  readonly doc: Y.Doc;
  synced(): boolean;
}

interface BenchClient {
  readonly index: number;
  readonly attachments: readonly Attachment[];
  destroy(): void;
}

interface Result {
  readonly scenario: Scenario;
  readonly subscribersPerDoc: number;
  readonly connectMs: number;
  readonly edits: number;
  readonly expected: number;
  readonly receipts: number;
  readonly latencies: readonly number[];
  readonly windowSeconds: number;
  readonly serverCpuSeconds: number;
  /** Of which in the kernel (system time). */
  readonly serverSystemSeconds: number;
  /** Server CPU with every client connected and nobody typing, % of one core. */
  readonly idleCpuPercent: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly appendCount: number;
  /** Total time spent in store appends (the event loop is blocked during a SQLite append). */
  readonly appendSeconds: number;
  readonly appendMeanMs: number;
  readonly batchMean: number;
  readonly updateOutcomes: Map<string, number>;
  readonly serverCloses: Map<string, number>;
  readonly clientCloses: Map<string, number>;
  readonly clientErrors: number;
  readonly benchCpuPercent: number;
  /** CPU used by everything else on the machine during the window, % of one core. */
  readonly otherCpuPercent: number;
  readonly loopDelayP99Ms: number;
  readonly serverLog: readonly string[];
  readonly stoppedWith: string;
}

interface Failure {
  readonly scenario: Scenario;
  readonly error: string;
  readonly serverLog: readonly string[];
}

let runningServer: ServerChild | null = null;
process.on("exit", () => runningServer?.kill());
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    runningServer?.kill();
    process.exit(130);
  });
}

const ws = WebSocket as unknown as typeof globalThis.WebSocket;
// Every stock WebsocketProvider adds a process 'exit' listener; 100 of them are expected here.
process.setMaxListeners(0);

function firstText(doc: Y.Doc): Y.XmlText | null {
  const paragraph = doc.getXmlFragment("default").get(0);
  if (!(paragraph instanceof Y.XmlElement)) return null;
  const node = paragraph.get(0);
  return node instanceof Y.XmlText ? node : null;
}

const MARKER = /~(\d+\.\d+)~/g;

/** Store and outcome figures from the /metrics deltas over the window. */
function summarise(before: Samples, after: Samples) {
  const appendCount = delta(before, after, "gavel_store_append_seconds_count");
  const appendSum = delta(before, after, "gavel_store_append_seconds_sum");
  const batchCount = delta(before, after, "gavel_store_append_batch_records_count");
  const batchSum = delta(before, after, "gavel_store_append_batch_records_sum");
  return {
    appendCount,
    appendSeconds: appendSum,
    appendMeanMs: appendCount > 0 ? (appendSum / appendCount) * 1000 : Number.NaN,
    batchMean: batchCount > 0 ? batchSum / batchCount : Number.NaN,
    updateOutcomes: labelledDeltas(before, after, "gavel_updates_total"),
    serverCloses: labelledDeltas(before, after, "gavel_connection_closes_total"),
  };
}

async function runScenario(scenario: Scenario): Promise<Result> {
  const docNames = CLAUSE_DOCS.slice(0, scenario.docs);
  if (docNames.length < scenario.docs) throw new Error(`the demo session has only ${CLAUSE_DOCS.length} clauses`);
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-bench-"));
  const redisPrefix = `gavel-bench:${process.pid}:${randomBytes(6).toString("hex")}:`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    AUTH_SECRET: SECRET,
    LOG_LEVEL: "warn",
    ...(scenario.store === "redis" && REDIS_URL ? { REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
    ...SERVER_OVERRIDES,
  };

  const timers = new Set<NodeJS.Timeout>();
  const clients: BenchClient[] = [];
  const clientCloses = new Map<string, number>();
  let clientErrors = 0;
  let active = true;
  const noteClose = (code: string) => {
    if (active) clientCloses.set(code, (clientCloses.get(code) ?? 0) + 1);
  };

  // Sent markers (client.seq) and their send times; receipts are checked against them.
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let edits = 0;
  let expected = 0;
  let receipts = 0;
  const subscribers = new Array<number>(scenario.docs).fill(0);

  const observe = (doc: Y.Doc) => {
    doc.getXmlFragment("default").observeDeep((events, transaction) => {
      if (transaction.local || sent.size === 0) return;
      const now = performance.now();
      for (const event of events) {
        if (!(event.target instanceof Y.XmlText)) continue;
        for (const op of event.delta) {
          if (typeof op.insert !== "string") continue;
          for (const match of op.insert.matchAll(MARKER)) {
            const at = sent.get(match[1] ?? "");
            if (at === undefined) continue;
            latencies.push(now - at);
            receipts += 1;
          }
        }
      }
    });
  };

  let server: ServerChild | null = null;
  let sampler: NodeJS.Timeout | null = null;
  let stoppedWith = "not started";
  try {
    const startedAt = performance.now();
    server = await startServerChild({ cwd: ROOT, port: await freePort(), env, healthTimeoutMs: 30_000 });
    runningServer = server;
    const pid = server.pid;
    process.stdout.write(
      `[${scenario.id}] server pid ${pid} up in ${fixed((performance.now() - startedAt) / 1000)} s; connecting ${scenario.clients} clients\n`,
    );
    const baselineRss = rssBytesOf(pid);
    let peakRss = baselineRss;
    sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytesOf(pid));
    }, RSS_SAMPLE_MS);

    const key = secretKey(SECRET);
    const tokens = await Promise.all(
      Array.from({ length: scenario.clients }, (_, i) =>
        signToken(
          key,
          {
            sub: `bench-${i}`,
            name: `Bench ${i}`,
            role: "delegate",
            delegation: DELEGATIONS[i % DELEGATIONS.length] ?? null,
            session: SESSION,
          },
          3600,
        ),
      ),
    );

    const connectStart = performance.now();
    for (let i = 0; i < scenario.clients; i++) {
      const token = tokens[i] ?? "";
      if (scenario.endpoint === "plain") {
        const docIndex = i % scenario.docs;
        const doc = new Y.Doc();
        observe(doc);
        const provider = new WebsocketProvider(`${server.wsUrl}/y`, docNames[docIndex] ?? "", doc, {
          params: { token },
          WebSocketPolyfill: ws,
          disableBc: true,
        });
        provider.on("connection-close", (event) => noteClose(event ? String(event.code) : "client-side"));
        provider.on("connection-error", () => {
          if (active) clientErrors += 1;
        });
        subscribers[docIndex] = (subscribers[docIndex] ?? 0) + 1;
        clients.push({
          index: i,
          attachments: [{ docIndex, doc, synced: () => provider.synced }],
          destroy: () => {
            provider.destroy();
            doc.destroy();
          },
        });
      } else {
        // @hocuspocus/provider 4 has no `parameters` option: the token goes in the URL itself.
        const socket = new HocuspocusProviderWebsocket({
          url: `${server.wsUrl}/collab?token=${encodeURIComponent(token)}`,
          WebSocketPolyfill: ws,
        });
        socket.on("close", ({ event }: { event: { code: number } }) => noteClose(String(event.code)));
        const providers: HocuspocusProvider[] = [];
        const attachments: Attachment[] = docNames.map((name, docIndex) => {
          const doc = new Y.Doc();
          observe(doc);
          const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc });
          provider.on("authenticationFailed", ({ reason }: { reason: string }) => noteClose(`auth failed: ${reason}`));
          provider.attach();
          providers.push(provider);
          subscribers[docIndex] = (subscribers[docIndex] ?? 0) + 1;
          return { docIndex, doc, synced: () => provider.isSynced };
        });
        clients.push({
          index: i,
          attachments,
          destroy: () => {
            for (const provider of providers) provider.destroy();
            socket.destroy();
            for (const a of attachments) a.doc.destroy();
          },
        });
      }
    }

    const allSynced = () => clients.every((c) => c.attachments.every((a) => a.synced() && firstText(a.doc) !== null));
    const connectDeadline = performance.now() + CONNECT_TIMEOUT_MS;
    while (!allSynced()) {
      if (performance.now() > connectDeadline) {
        const missing = clients.flatMap((c) => c.attachments).filter((a) => !a.synced()).length;
        throw new Error(
          `${missing} client documents not synced within ${CONNECT_TIMEOUT_MS} ms; closes seen by clients: ${describeMap(clientCloses)}; socket errors: ${clientErrors}`,
        );
      }
      if (server.exited) throw new Error("the server exited while clients connected");
      await delay(20);
    }
    const connectMs = performance.now() - connectStart;
    // Idle cost: everyone connected, nobody typing.
    const idleBefore = cpuTimesOf(pid);
    const idleStart = performance.now();
    await delay(IDLE_MS);
    const idleAfter = cpuTimesOf(pid);
    const idleCpuPercent =
      ((idleAfter.user + idleAfter.system - idleBefore.user - idleBefore.system) /
        ((performance.now() - idleStart) / 1000)) *
      100;
    process.stdout.write(
      `[${scenario.id}] all synced in ${fixed(connectMs, 0)} ms; idle server CPU ${fixed(idleCpuPercent)} %; typing ${WARMUP_MS / 1000} s warm-up + ${SECONDS} s measured\n`,
    );

    // Typing starts now; edits made during the warm-up (JIT, caches, first snapshots) are not
    // measured. Once the window opens, edits are registered until `typingEnd`.
    let measuring = false;
    let typingEnd = Number.POSITIVE_INFINITY;
    for (const client of clients) {
      const rng = mulberry32((SEED ^ Math.imul(client.index + 1, 0x9e3779b1)) >>> 0);
      let seq = 0;
      const schedule = (ms: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          tick();
        }, ms);
        timers.add(timer);
      };
      const tick = () => {
        if (!active || performance.now() >= typingEnd) return;
        const attachment = client.attachments[Math.floor(rng() * client.attachments.length)];
        const text = attachment ? firstText(attachment.doc) : null;
        if (attachment && text) {
          seq += 1;
          const marker = `${client.index}.${seq}`;
          if (measuring) {
            sent.set(marker, performance.now());
            expected += (subscribers[attachment.docIndex] ?? 1) - 1;
            edits += 1;
          }
          text.insert(0, `~${marker}~`);
        }
        schedule(MIN_GAP_MS + rng() * (MAX_GAP_MS - MIN_GAP_MS));
      };
      schedule(rng() * MAX_GAP_MS);
    }
    await delay(WARMUP_MS);

    // The measured window: typing, then draining until every expected receipt arrived.
    const metricsBefore = await fetchMetrics(server.httpUrl);
    const cpuBefore = cpuTimesOf(pid);
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineBusySeconds();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const windowStart = performance.now();
    typingEnd = windowStart + SECONDS * 1000;
    measuring = true;

    while (performance.now() < typingEnd) {
      if (server.exited) throw new Error("the server exited during the run");
      await delay(100);
    }
    const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (receipts < expected && performance.now() < drainDeadline) await delay(20);
    const windowSeconds = (performance.now() - windowStart) / 1000;
    loopDelay.disable();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const cpuAfter = cpuTimesOf(pid);
    const machineBusy = machineBusySeconds() - machineBefore;
    const metricsAfter = await fetchMetrics(server.httpUrl);
    active = false;

    const result = summarise(metricsBefore, metricsAfter);

    return {
      scenario,
      subscribersPerDoc: Math.max(...subscribers),
      connectMs,
      edits,
      expected,
      receipts,
      latencies: latencies.sort((a, b) => a - b),
      windowSeconds,
      serverCpuSeconds: cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system,
      serverSystemSeconds: cpuAfter.system - cpuBefore.system,
      idleCpuPercent,
      baselineRssMb: baselineRss / 1_048_576,
      peakRssMb: peakRss / 1_048_576,
      ...result,
      clientCloses,
      clientErrors,
      benchCpuPercent: ((benchCpu.user + benchCpu.system) / 1e6 / windowSeconds) * 100,
      otherCpuPercent:
        ((machineBusy -
          (benchCpu.user + benchCpu.system) / 1e6 -
          (cpuAfter.user + cpuAfter.system) +
          (cpuBefore.user + cpuBefore.system)) /
          windowSeconds) *
        100,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      serverLog: logLines(server.output()),
      stoppedWith: "",
    };
  } finally {
    active = false;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (sampler) clearInterval(sampler);
    for (const client of clients) {
      try {
        client.destroy();
      } catch (error) {
        process.stderr.write(`[${scenario.id}] destroying client ${client.index}: ${String(error)}\n`);
      }
    }
    if (server) {
      // Let the close frames reach the server before it is asked to stop.
      await delay(300);
      stoppedWith = await server.stop();
      if (stoppedWith !== "code 0") process.stderr.write(`[${scenario.id}] server stopped with ${stoppedWith}\n`);
      lastStop.set(scenario.id, stoppedWith);
      lastLog.set(scenario.id, logLines(server.output()));
      runningServer = null;
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (scenario.store === "redis" && REDIS_URL) await deleteRedisKeys(REDIS_URL, redisPrefix);
  }
}

const lastStop = new Map<string, string>();
const lastLog = new Map<string, readonly string[]>();

/** Non-empty lines the server printed (at LOG_LEVEL=warn: warnings and errors only). */
function logLines(output: string): string[] {
  return output.split("\n").filter((line) => line.trim() !== "");
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    let deleted = 0;
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
    process.stdout.write(`[redis] deleted ${deleted} keys under ${prefix}\n`);
  } catch (error) {
    process.stderr.write(`[redis] could not delete keys under ${prefix}: ${String(error)}\n`);
  } finally {
    if (client.isOpen) client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const RAW_RELAY_US = [12, 23] as const;
const YJS_UPDATE_US = 27;

function describeMap(map: ReadonlyMap<string, number>): string {
  return map.size === 0 ? "none" : [...map].map(([k, v]) => `${k} x${v}`).join(", ");
}

function label(s: Scenario): string {
  const where = s.endpoint === "plain" ? "plain /y" : "multiplexed /collab";
  return `\`${s.id}\` (${where}, ${s.store})`;
}

function latencyTable(results: readonly Result[]): string {
  const rows = [
    "| scenario | clients | docs | clients/doc | edits sent | receipts / expected | p50 ms | p95 ms | p99 ms | max ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const s = r.scenario;
    const docsCell = s.endpoint === "multiplexed" ? `${s.docs} (all on each socket)` : String(s.docs);
    rows.push(
      `| ${label(s)} | ${s.clients} | ${docsCell} | ${r.subscribersPerDoc} | ${r.edits} | ${r.receipts} / ${r.expected} | ${fixed(percentile(r.latencies, 50))} | ${fixed(percentile(r.latencies, 95))} | ${fixed(percentile(r.latencies, 99))} | ${fixed(percentile(r.latencies, 100))} |`,
    );
  }
  return rows.join("\n");
}

function costTable(results: readonly Result[]): string {
  const rows = [
    "| scenario | window s | server CPU s (% of a core) | of which kernel | idle CPU % (all connected) | CPU µs / delivered msg | CPU µs / edit | RSS idle → peak MB | appends | mean append ms | mean batch (records) | window spent in appends |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    rows.push(
      `| \`${r.scenario.id}\` | ${fixed(r.windowSeconds)} | ${fixed(r.serverCpuSeconds, 2)} (${fixed((r.serverCpuSeconds / r.windowSeconds) * 100, 0)} %) | ${fixed((r.serverSystemSeconds / r.serverCpuSeconds) * 100, 0)} % | ${fixed(r.idleCpuPercent)} | ${fixed((r.serverCpuSeconds / r.receipts) * 1e6, 0)} | ${fixed((r.serverCpuSeconds / r.edits) * 1e6, 0)} | ${fixed(r.baselineRssMb, 0)} → ${fixed(r.peakRssMb, 0)} | ${r.appendCount} | ${fixed(r.appendMeanMs, 2)} | ${fixed(r.batchMean, 2)} | ${fixed((r.appendSeconds / r.windowSeconds) * 100, 0)} % |`,
    );
  }
  return rows.join("\n");
}

function loadTable(results: readonly Result[]): string {
  const rows = [
    "| scenario | edits/s | deliveries/s | bench process CPU % | bench event-loop delay p99 ms | other processes CPU % |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    rows.push(
      `| \`${r.scenario.id}\` | ${fixed(r.edits / r.windowSeconds, 0)} | ${fixed(r.receipts / r.windowSeconds, 0)} | ${fixed(r.benchCpuPercent, 0)} | ${fixed(r.loopDelayP99Ms, 1)} | ${fixed(r.otherCpuPercent, 0)} |`,
    );
  }
  return rows.join("\n");
}

function healthTable(results: readonly Result[]): string {
  const rows = [
    "| scenario | connect + sync ms | update outcomes (server) | closes by the server | closes seen by clients | client socket errors | server log lines (warn+) | server exit |",
    "| --- | ---: | --- | --- | --- | ---: | ---: | --- |",
  ];
  for (const r of results) {
    rows.push(
      `| \`${r.scenario.id}\` | ${fixed(r.connectMs, 0)} | ${describeMap(r.updateOutcomes)} | ${describeMap(r.serverCloses)} | ${describeMap(r.clientCloses)} | ${r.clientErrors} | ${r.serverLog.length} | ${r.stoppedWith} |`,
    );
  }
  return rows.join("\n");
}

function reading(results: readonly Result[], failures: readonly Failure[]): string {
  const lines: string[] = [];
  const plain = results.filter((r) => r.scenario.endpoint === "plain" && r.scenario.store === "sqlite");
  const all = results;
  if (all.length === 0) return "No scenario completed; see the failures above.";
  const p99s = all.map((r) => percentile(r.latencies, 99));
  const p50s = all.map((r) => percentile(r.latencies, 50));
  lines.push(
    `- **Latency.** Median edit-to-receipt latency stayed between ${fixed(Math.min(...p50s))} and ${fixed(Math.max(...p50s))} ms and p99 between ${fixed(Math.min(...p99s))} and ${fixed(Math.max(...p99s))} ms across the scenarios. Every update is appended to the store (one fsync per group-commit batch for SQLite) before it is broadcast, so the store append is part of every figure.`,
  );
  for (const r of all) {
    const perMsg = (r.serverCpuSeconds / r.receipts) * 1e6;
    const perEdit = (r.serverCpuSeconds / r.edits) * 1e6;
    const fanout = r.edits > 0 ? r.expected / r.edits : 0;
    const modelLow = YJS_UPDATE_US + fanout * RAW_RELAY_US[0];
    const modelHigh = YJS_UPDATE_US + fanout * RAW_RELAY_US[1];
    const cpuPct = (r.serverCpuSeconds / r.windowSeconds) * 100;
    const capacity = perEdit > 0 ? 1e6 / perEdit : Number.NaN;
    lines.push(
      `- **\`${r.scenario.id}\`.** ${fixed(r.edits / r.windowSeconds, 0)} edits/s fanned out ${fixed(fanout, 1)}x = ${fixed(r.receipts / r.windowSeconds, 0)} deliveries/s cost the server ${fixed(cpuPct, 0)} % of one core: ${fixed(perMsg, 0)} µs per delivered message (a raw ws relay: ${RAW_RELAY_US[0]}-${RAW_RELAY_US[1]} µs, i.e. ${fixed(perMsg / RAW_RELAY_US[1], 1)}-${fixed(perMsg / RAW_RELAY_US[0], 1)}x) and ${fixed(perEdit, 0)} µs per edit, against ${fixed(modelLow, 0)}-${fixed(modelHigh, 0)} µs for "one Yjs apply (${YJS_UPDATE_US} µs) + ${fixed(fanout, 1)} relayed sends". At that cost one core would carry about ${fixed(capacity, 0)} edits/s (≈ ${fixed(capacity / (2000 / (MIN_GAP_MS + MAX_GAP_MS)), 0)} clients typing at this rate, same fan-out), versus ~${fixed(180_000 / fanout / 1000, 0)}k edits/s for a raw relay at 180k msgs/s.`,
    );
  }
  const appendMeans = all.filter((r) => Number.isFinite(r.appendMeanMs));
  if (appendMeans.length > 0) {
    lines.push(
      `- **Store.** Mean append latency ${appendMeans.map((r) => `${fixed(r.appendMeanMs, 2)} ms (\`${r.scenario.id}\`, ${fixed(r.batchMean, 2)} records/batch)`).join("; ")}. Group commit batches more records per append as the edit rate grows; with SQLite the append is synchronous (better-sqlite3) and blocks the server's event loop for its fsync, so its mean bounds how many appends per second one process can do.`,
    );
  }
  if (plain.length >= 2) {
    const first = plain[0];
    const last = plain[plain.length - 1];
    if (first && last) {
      lines.push(
        `- **Scaling.** From \`${first.scenario.id}\` to \`${last.scenario.id}\` (${fixed(last.edits / first.edits, 1)}x the edits at the same fan-out), server CPU per delivered message went from ${fixed((first.serverCpuSeconds / first.receipts) * 1e6, 0)} to ${fixed((last.serverCpuSeconds / last.receipts) * 1e6, 0)} µs and peak RSS from ${fixed(first.peakRssMb, 0)} to ${fixed(last.peakRssMb, 0)} MB.`,
      );
    }
  }
  const troubled = all.filter(
    (r) =>
      r.clientCloses.size > 0 ||
      r.serverCloses.size > 0 ||
      r.clientErrors > 0 ||
      r.receipts < r.expected ||
      r.serverLog.length > 0 ||
      [...r.updateOutcomes.keys()].some((k) => !k.includes('"applied"')),
  );
  lines.push(
    troubled.length === 0
      ? "- **Errors.** None: no connection was closed by the server or seen closing by a client during any measured window, every expected receipt arrived, every update was applied, and the server logged nothing at warn level or above."
      : `- **Errors.** ${troubled.map((r) => `\`${r.scenario.id}\`: closes by server ${describeMap(r.serverCloses)}, seen by clients ${describeMap(r.clientCloses)}, ${r.expected - r.receipts} receipts missing, outcomes ${describeMap(r.updateOutcomes)}, ${r.serverLog.length} server log lines`).join("; ")}.`,
  );
  for (const f of failures) lines.push(`- **Failed: \`${f.scenario.id}\`.** ${f.error}`);
  lines.push(
    "- **Caveat.** Clients and server share this machine's cores; the bench process's own CPU and its event-loop delay (columns above) are part of the measured latency, so the latency figures are an upper bound for a server with cores of its own.",
  );
  return lines.join("\n");
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} logical CPUs (nproc) — ${cpu}; ${fixed(totalmem() / 1_073_741_824, 1)} GiB memory; Linux ${release()}`,
    `- Node ${process.version}; server started as a child process: \`node --import tsx server/src/main.ts\`, HOST=127.0.0.1, a free PORT, LOG_LEVEL=warn, AUTH_SECRET set (the bench signs delegate tokens itself), a fresh DATA_DIR under ${tmpdir()} per scenario`,
    `- Store: SQLite (the default: WAL, synchronous=FULL)${REDIS_URL ? "; the `-redis` scenarios use Redis (BENCH_REDIS_URL) with a unique REDIS_PREFIX whose keys are deleted afterwards" : "; set BENCH_REDIS_URL to add a run on the Redis store"}`,
    `- Server settings: defaults (MAX_FRAMES_PER_SECOND=500, MAX_BUFFERED_BYTES=16 MiB, COMPACT_EVERY=500)${Object.keys(SERVER_OVERRIDES).length > 0 ? `; overridden: ${Object.entries(SERVER_OVERRIDES).map(([k, v]) => `${k}=${v}`)}` : ""}`,
    `- Typing time per scenario: ${SECONDS} s (BENCH_SECONDS); PRNG seed ${SEED} (BENCH_SEED)`,
  ].join("\n");
}

function method(): string {
  return [
    "- Each scenario starts its own server, connects every client, waits until every client document is synced, then measures one window: typing for BENCH_SECONDS, then draining until every expected receipt arrived (at most 5 s more).",
    "- **Plain endpoint** (`ws://HOST:PORT/y/<doc>`): stock y-websocket `WebsocketProvider`s (Node `ws`), one provider and one socket per client; client *i* edits clause document *i mod R* of the demo session (documents taken in template order), so every document has N/R clients.",
    "- **Multiplexed endpoint** (`ws://HOST:PORT/collab`): stock `@hocuspocus/provider`: one `HocuspocusProviderWebsocket` per client with all R documents attached; each edit goes to one of the client's documents picked at random.",
    `- **Rate.** Every client makes one small insert (a marker of 5-9 characters) every ${MIN_GAP_MS}-${MAX_GAP_MS} ms, uniformly jittered by a per-client seeded PRNG (mulberry32), with a random start offset: about ${fixed(2000 / (MIN_GAP_MS + MAX_GAP_MS), 1)} edits/s per client, a fast typist's pace of separate keystroke transactions.`,
    '- **Latency.** The insert goes at the start of the first paragraph\'s `Y.XmlText` (root `getXmlFragment("default")` → `paragraph` → text), as `~<client>.<seq>~`; the sender records `performance.now()` for the marker just before the insert. Every other client on that document observes its fragment (`observeDeep`, remote transactions only), reads the inserted strings from the text delta and, for each marker found, records now − send time. Percentiles are nearest-rank over all (send, receive) pairs; the expected count is the sum over edits of (clients on that document − 1).',
    "- **Server cost.** CPU: utime + stime of the server PID from `/proc/<pid>/stat` at the start and end of the window. RSS: `VmRSS` from `/proc/<pid>/status`, sampled every 500 ms from server start to the end of the window (idle = just after start). Store: the `/metrics` deltas over the window of `gavel_store_append_seconds` (sum/count = mean append latency) and `gavel_store_append_batch_records` (sum/count = mean records per group commit). Closes: `gavel_connection_closes_total` deltas and the close events the clients saw.",
    "- All clients run in the single bench process, on loopback, on the same machine as the server.",
  ].join("\n");
}

function report(results: readonly Result[], failures: readonly Failure[]): string {
  const failed =
    failures.length === 0
      ? ""
      : `\n\n**Failed scenarios:**\n\n${failures.map((f) => `- \`${f.scenario.id}\`: ${f.error}${f.serverLog.length > 0 ? `\n\n  Server output:\n\n  \`\`\`\n${f.serverLog.slice(0, 20).join("\n")}\n  \`\`\`` : ""}`).join("\n")}`;
  const logs = results
    .filter((r) => r.serverLog.length > 0)
    .map(
      (r) =>
        `\n\nServer output during \`${r.scenario.id}\` (first lines):\n\n\`\`\`\n${r.serverLog
          .slice(0, 10)
          .map((l) => l.slice(0, 300))
          .join("\n")}\n\`\`\``,
    )
    .join("");
  return `# Benchmarks

Generated by \`npm run bench\` (scripts/bench.ts); rerunning overwrites this file.

## What was run

${machine()}

## Method

${method()}

## Results

Edit-to-receipt latency:

${latencyTable(results)}

Server cost over the measured window (one receipt = one delivered message):

${costTable(results)}

Load generated and the client side (all clients share one process on the same machine; "other" is every other process, from /proc/stat):

${loadTable(results)}

Errors and connection health:

${healthTable(results)}${failed}${logs}

## Reading

Reference facts (DESIGN): a raw ws relay delivers ~170-190k small messages/s, each delivered message costing 12-23 µs of server CPU; Yjs costs ~27 µs per small update. Ratios below are taken within this run only.

${reading(results, failures)}
`;
}

async function main(): Promise<number> {
  const scenarios = ONLY.length > 0 ? SCENARIOS.filter((s) => ONLY.includes(s.id)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_ONLY matched no scenario (ids: ${SCENARIOS.map((s) => s.id)})`);
  const results: Result[] = [];
  const failures: Failure[] = [];
  for (const scenario of scenarios) {
    try {
      const result = await runScenario(scenario);
      results.push({
        ...result,
        stoppedWith: lastStop.get(scenario.id) ?? "?",
        serverLog: lastLog.get(scenario.id) ?? result.serverLog,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`[${scenario.id}] failed: ${message}\n`);
      failures.push({ scenario, error: message.split("\n")[0] ?? message, serverLog: lastLog.get(scenario.id) ?? [] });
    }
  }
  const text = report(results, failures);
  process.stdout.write(`\n${text}`);
  writeFileSync(REPORT_FILE, text);
  process.stdout.write(`\nwrote ${REPORT_FILE}\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is destroyed by now; if something still holds the process, say what.
    setTimeout(() => {
      process.stderr.write(
        `bench: still running 10 s after finishing: ${process.getActiveResourcesInfo().join(", ")}\n`,
      );
      process.exit(code === 0 ? 2 : code);
    }, 10_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    runningServer?.kill();
    process.exitCode = 1;
  },
);
