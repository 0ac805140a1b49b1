/**
 * `npm run bench`: end-to-end load figures of the real server, started as a child process,
 * with stock clients (y-websocket and @hocuspocus/provider) typing at human rates on loopback.
 * Prints a markdown report and writes it to docs/BENCHMARKS.md.
 *
 * Environment: BENCH_SECONDS (typing time per scenario, default 10), BENCH_SEED (PRNG seed),
 * BENCH_ONLY (comma-separated scenario ids), BENCH_REDIS_URL (adds runs on the Redis store),
 * BENCH_NODE_ARGS (extra Node flags for the server child, e.g. `--cpu-prof`).
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { TEMPLATES } from "@gavel/model";
import { openSqliteStore, secretKey, signToken } from "@gavel/server";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { createClient } from "redis";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { mulberry32 } from "../server/test/support/prng.ts";
import { freePort } from "../test/support/redis.ts";
import {
  cpuTimesOf,
  delta,
  fetchMetrics,
  fixed,
  labelledDeltas,
  machineBusySeconds,
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
        const byServer = await fetchMetrics(server.httpUrl).then(
          (m) => describeMap(labelledDeltas(new Map(), m, "gavel_connection_closes_total")),
          (error: unknown) => `unknown (${String(error)})`,
        );
        throw new Error(
          `${missing} client documents not synced within ${CONNECT_TIMEOUT_MS} ms; closes seen by clients: ${describeMap(clientCloses)}; closed by the server (metrics): ${byServer}; socket errors: ${clientErrors}`,
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
// Store floor: the real SQLite store, in this process, on the same filesystem as DATA_DIR.

interface StoreFloor {
  readonly appends: number;
  readonly wallUs: number;
  readonly userUs: number;
  readonly systemUs: number;
}

/** Times single-record appends to `openSqliteStore` (WAL, synchronous=FULL), as the server does them. */
async function measureStoreFloor(count = 1_000): Promise<StoreFloor> {
  const dir = mkdtempSync(join(tmpdir(), "gavel-bench-store-"));
  const store = openSqliteStore({ file: join(dir, "gavel.sqlite") });
  try {
    const doc = new Y.Doc();
    const text = doc.getText("t");
    const updates: Uint8Array[] = [];
    doc.on("update", (update: Uint8Array) => updates.push(update));
    for (let i = 0; i < count + 100; i++) text.insert(0, `~${i}.1~`);
    doc.destroy();
    const author = { sub: "bench-0", name: "Bench 0", role: "delegate" as const, delegation: "AFR" };
    const append = (update: Uint8Array | undefined) =>
      store.append([
        { doc: `${SESSION}/implementation/c1`, update: update ?? new Uint8Array(), author, at: Date.now() },
      ]);
    for (const update of updates.slice(0, 100)) await append(update);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const update of updates.slice(100)) await append(update);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { appends: count, wallUs: (wall * 1000) / count, userUs: used.user / count, systemUs: used.system / count };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report (markdown laid out as Biome formats it, so `biome check` passes on the written file)

const RAW_RELAY_US = [12, 23] as const;
const YJS_UPDATE_US = 27;
/** Above this much CPU used by other processes (% of one core), a row is flagged as disturbed. */
const DISTURBED_PERCENT = 20;

type Align = "left" | "right";

function table(columns: readonly (readonly [string, Align])[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map(([title], i) => Math.max(3, title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const cell = (text: string, i: number) => {
    const width = widths[i] ?? 3;
    return columns[i]?.[1] === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (columns[i]?.[1] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(columns.map(([title]) => title)), rule, ...rows.map(line)].join("\n");
}

function describeMap(map: ReadonlyMap<string, number>): string {
  return map.size === 0 ? "none" : [...map].map(([k, v]) => `${k.replaceAll('"', "")} x${v}`).join(", ");
}

const perSecond = (r: Result, n: number) => n / r.windowSeconds;
const cpuPercent = (r: Result) => (r.serverCpuSeconds / r.windowSeconds) * 100;
const usPerReceipt = (r: Result) => (r.serverCpuSeconds / r.receipts) * 1e6;
const usPerEdit = (r: Result) => (r.serverCpuSeconds / r.edits) * 1e6;
const fanout = (r: Result) => (r.edits > 0 ? r.expected / r.edits : 0);
const disturbed = (r: Result) => r.otherCpuPercent > DISTURBED_PERCENT;

function latencyTable(results: readonly Result[]): string {
  return table(
    [
      ["scenario", "left"],
      ["endpoint", "left"],
      ["store", "left"],
      ["clients", "right"],
      ["docs", "right"],
      ["clients/doc", "right"],
      ["edits", "right"],
      ["receipts / expected", "right"],
      ["p50 ms", "right"],
      ["p95 ms", "right"],
      ["p99 ms", "right"],
      ["max ms", "right"],
    ],
    results.map((r) => [
      `\`${r.scenario.id}\``,
      r.scenario.endpoint === "plain" ? "plain `/y`" : "multiplexed `/collab`",
      r.scenario.store === "sqlite" ? "SQLite" : "Redis",
      String(r.scenario.clients),
      r.scenario.endpoint === "multiplexed" ? `${r.scenario.docs} (each socket all)` : String(r.scenario.docs),
      String(r.subscribersPerDoc),
      String(r.edits),
      `${r.receipts} / ${r.expected}`,
      fixed(percentile(r.latencies, 50)),
      fixed(percentile(r.latencies, 95)),
      fixed(percentile(r.latencies, 99)),
      fixed(percentile(r.latencies, 100)),
    ]),
  );
}

function costTable(results: readonly Result[]): string {
  return table(
    [
      ["scenario", "left"],
      ["edits/s", "right"],
      ["deliveries/s", "right"],
      ["server CPU s", "right"],
      ["% of a core", "right"],
      ["kernel share", "right"],
      ["idle % (all connected)", "right"],
      ["CPU µs / delivered msg", "right"],
      ["CPU µs / edit", "right"],
      ["RSS idle → peak MB", "right"],
    ],
    results.map((r) => [
      `\`${r.scenario.id}\``,
      fixed(perSecond(r, r.edits), 0),
      fixed(perSecond(r, r.receipts), 0),
      fixed(r.serverCpuSeconds, 2),
      `${fixed(cpuPercent(r), 0)} %`,
      `${fixed((r.serverSystemSeconds / r.serverCpuSeconds) * 100, 0)} %`,
      fixed(r.idleCpuPercent),
      fixed(usPerReceipt(r), 0),
      fixed(usPerEdit(r), 0),
      `${fixed(r.baselineRssMb, 0)} → ${fixed(r.peakRssMb, 0)}`,
    ]),
  );
}

function storeTable(results: readonly Result[]): string {
  return table(
    [
      ["scenario", "left"],
      ["appends", "right"],
      ["mean append ms", "right"],
      ["mean batch (records)", "right"],
      ["window spent in appends", "right"],
    ],
    results.map((r) => [
      `\`${r.scenario.id}\``,
      String(r.appendCount),
      fixed(r.appendMeanMs, 2),
      fixed(r.batchMean, 2),
      `${fixed((r.appendSeconds / r.windowSeconds) * 100, 0)} %`,
    ]),
  );
}

function clientSideTable(results: readonly Result[]): string {
  return table(
    [
      ["scenario", "left"],
      ["bench process CPU %", "right"],
      ["bench event-loop delay p99 ms", "right"],
      ["other processes CPU %", "right"],
    ],
    results.map((r) => [
      `\`${r.scenario.id}\`${disturbed(r) ? " (disturbed)" : ""}`,
      fixed(r.benchCpuPercent, 0),
      fixed(r.loopDelayP99Ms, 1),
      fixed(r.otherCpuPercent, 0),
    ]),
  );
}

function healthTable(results: readonly Result[]): string {
  return table(
    [
      ["scenario", "left"],
      ["connect + sync ms", "right"],
      ["update outcomes (server)", "left"],
      ["closed by the server", "left"],
      ["closes seen by clients", "left"],
      ["client socket errors", "right"],
      ["server log lines (warn+)", "right"],
      ["server exit", "left"],
    ],
    results.map((r) => [
      `\`${r.scenario.id}\``,
      fixed(r.connectMs, 0),
      describeMap(r.updateOutcomes),
      describeMap(r.serverCloses),
      describeMap(r.clientCloses),
      String(r.clientErrors),
      String(r.serverLog.length),
      r.stoppedWith,
    ]),
  );
}

function reading(results: readonly Result[], failures: readonly Failure[], floor: StoreFloor | null): string {
  const lines: string[] = [];
  if (results.length === 0) return "No scenario completed; see the failures above.";
  const p50s = results.map((r) => percentile(r.latencies, 50));
  const p99s = results.map((r) => percentile(r.latencies, 99));
  lines.push(
    `- **Latency.** Median edit-to-receipt latency was ${fixed(Math.min(...p50s))}-${fixed(Math.max(...p50s))} ms and p99 ${fixed(Math.min(...p99s))}-${fixed(Math.max(...p99s))} ms across the scenarios. The server appends every update to the store before it applies and relays it (the durability rule), so one store append is inside every figure, and so is the bench process's own event-loop delay (its p99 is in the client-side table).`,
  );
  for (const r of results) {
    const f = fanout(r);
    const low = YJS_UPDATE_US + f * RAW_RELAY_US[0];
    const high = YJS_UPDATE_US + f * RAW_RELAY_US[1];
    const capacity = 1e6 / usPerEdit(r);
    lines.push(
      `- **\`${r.scenario.id}\`.** ${fixed(perSecond(r, r.edits), 0)} edits/s, each delivered to ${fixed(f, 1)} other clients (${fixed(perSecond(r, r.receipts), 0)} deliveries/s), used ${fixed(cpuPercent(r), 0)} % of one core: ${fixed(usPerReceipt(r), 0)} µs per delivered message, ${fixed(usPerReceipt(r) / RAW_RELAY_US[1], 1)}-${fixed(usPerReceipt(r) / RAW_RELAY_US[0], 1)}x a raw ws relay's ${RAW_RELAY_US[0]}-${RAW_RELAY_US[1]} µs; ${fixed(usPerEdit(r), 0)} µs per edit against ${fixed(low, 0)}-${fixed(high, 0)} µs for "one Yjs apply (${YJS_UPDATE_US} µs) + ${fixed(f, 1)} relayed sends". At that cost one core carries about ${fixed(capacity, 0)} edits/s with this fan-out (≈ ${fixed(capacity / (2000 / (MIN_GAP_MS + MAX_GAP_MS)), 0)} clients typing at this rate), where a raw relay at 180k msgs/s would carry ~${fixed(180_000 / Math.max(f, 1) / 1000, 0)}k.${disturbed(r) ? ` Other processes used ${fixed(r.otherCpuPercent, 0)} % of a core meanwhile: this row is disturbed.` : ""}`,
    );
  }
  if (floor) {
    const floorCpu = floor.userUs + floor.systemUs;
    const sqlite = results.filter((r) => r.scenario.store === "sqlite" && r.appendCount > 0);
    const shares = sqlite.map(
      (r) => `${fixed(((r.appendCount * floorCpu) / 1e6 / r.serverCpuSeconds) * 100, 0)} % in \`${r.scenario.id}\``,
    );
    const batchValues = sqlite.map((r) => r.batchMean);
    const batches =
      batchValues.length > 0 ? `${fixed(Math.min(...batchValues), 2)}-${fixed(Math.max(...batchValues), 2)}` : "n/a";
    lines.push(
      `- **Store.** Measured in the bench process on the same filesystem, one single-record append to the SQLite store (WAL, synchronous=FULL) takes ${fixed(floor.wallUs, 0)} µs of wall time and ${fixed(floorCpu, 0)} µs of CPU (${fixed(floor.systemUs, 0)} µs of it in the kernel, i.e. the fsync). The server appends on a writer thread of its own (better-sqlite3 is synchronous), so its event loop goes on meanwhile: the "window spent in appends" column is time in flight, for SQLite as for Redis. Group commit put ${batches} records in an append on average, so at ${fixed(floorCpu, 0)} µs per append the store alone accounts for about ${shares.join(", ")} of the server's CPU; the rest is frame decoding, Yjs (each update is checked, then integrated once, into the live document), ws sends and garbage collection (BENCH_NODE_ARGS=--cpu-prof profiles the server).`,
    );
  }
  const plain = results.filter((r) => r.scenario.endpoint === "plain" && r.scenario.store === "sqlite");
  const first = plain[0];
  const last = plain[plain.length - 1];
  if (first && last && first !== last) {
    lines.push(
      `- **Scaling.** From \`${first.scenario.id}\` to \`${last.scenario.id}\` (${fixed(last.edits / first.edits, 1)}x the edits at the same fan-out), CPU per edit went from ${fixed(usPerEdit(first), 0)} to ${fixed(usPerEdit(last), 0)} µs and peak RSS from ${fixed(first.peakRssMb, 0)} to ${fixed(last.peakRssMb, 0)} MB. CPU per edit falls as the rate rises, which suggests that part of the cost is paid per wake-up of the process (epoll, timers, the fsync) rather than per message: a busier server does more work per wake-up.`,
    );
  }
  const troubled = results.filter(
    (r) =>
      r.clientCloses.size > 0 ||
      r.serverCloses.size > 0 ||
      r.clientErrors > 0 ||
      r.receipts < r.expected ||
      r.serverLog.length > 0 ||
      [...r.updateOutcomes.keys()].some((k) => !k.includes('"applied"') && !k.includes('"unchanged"')),
  );
  const noOps = results.filter((r) => [...r.updateOutcomes.keys()].some((k) => k.includes('"unchanged"')));
  lines.push(
    troubled.length === 0
      ? "- **Errors.** None: no connection was closed by the server inside any window or seen closing by a client from its first connection to the end of the window, every expected receipt arrived, every update was applied, and the server logged nothing at warn level or above."
      : `- **Errors.** ${troubled.map((r) => `\`${r.scenario.id}\`: closed by the server ${describeMap(r.serverCloses)}, closes seen by clients ${describeMap(r.clientCloses)}, ${r.expected - r.receipts} receipts missing, outcomes ${describeMap(r.updateOutcomes)}, ${r.serverLog.length} server log lines`).join("; ")}.`,
  );
  if (noOps.length > 0) {
    lines.push(
      `- **No-op updates.** The server also counted \`unchanged\` outcomes (updates that changed nothing; not errors): ${noOps.map((r) => `${[...r.updateOutcomes].find(([k]) => k.includes('"unchanged"'))?.[1] ?? 0} for ${r.edits} edits in \`${r.scenario.id}\``).join(", ")}. The bench clients send no no-op updates inside the window, so these are most likely changes the server makes itself after each edit that turned out empty.`,
    );
  }
  for (const f of failures) lines.push(`- **Failed: \`${f.scenario.id}\`.** ${f.error}`);
  lines.push(
    `- **Caveat.** Clients and server share this machine's ${availableParallelism()} cores, so the latencies are upper bounds for a server with cores of its own. A row marked disturbed had more than ${DISTURBED_PERCENT} % of a core used by other processes during its window; rerun on a quiet machine before comparing it.`,
  );
  return lines.join("\n");
}

/** The commit the server ran from, and whether the work tree had changes on top of it. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--untracked-files=no", "--", "server", "packages") !== "";
    return `commit ${commit}${dirty ? " with uncommitted changes under server/ or packages/" : ""}`;
  } catch {
    return "unknown (git not available)";
  }
}

function machine(floor: StoreFloor | null): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    `- Date: ${new Date().toISOString()}; server code: ${codeVersion()}`,
    `- Machine: ${availableParallelism()} logical CPUs (nproc), ${cpu}; ${fixed(totalmem() / 1_073_741_824, 1)} GiB memory; Linux ${release()}`,
    `- Node ${process.version}. The server runs as a child process, \`node --import tsx server/src/main.ts\`, with HOST=127.0.0.1, a free PORT, LOG_LEVEL=warn, AUTH_SECRET set (the bench signs its own delegate tokens) and a fresh DATA_DIR under ${tmpdir()} per scenario.`,
    `- Store: SQLite, the default (WAL, synchronous=FULL)${floor ? `; one append costs ${fixed(floor.wallUs, 0)} µs wall here (measured before the scenarios)` : ""}. ${REDIS_URL ? "The `-redis` scenarios use Redis (BENCH_REDIS_URL) under a unique REDIS_PREFIX whose keys are deleted afterwards." : "Set BENCH_REDIS_URL to add scenarios on the Redis store."}`,
    `- Server limits: defaults (MAX_FRAMES_PER_SECOND=500, MAX_BUFFERED_BYTES=16 MiB, COMPACT_EVERY=500, KEEPALIVE_MS=30000)${Object.keys(SERVER_OVERRIDES).length > 0 ? `; overridden: ${Object.entries(SERVER_OVERRIDES).map(([k, v]) => `${k}=${v}`)}` : "; nothing overridden"}.`,
    `- Measured typing time per scenario: ${SECONDS} s (BENCH_SECONDS), after ${WARMUP_MS / 1000} s of unmeasured warm-up typing; PRNG seed ${SEED} (BENCH_SEED).`,
  ].join("\n");
}

function method(): string {
  return [
    "- Each scenario starts its own server, connects every client, waits until every client document is synced, measures the server's idle CPU for 3 s, then starts typing. After a 2 s warm-up the window opens: edits are registered for BENCH_SECONDS, then the bench waits until every expected receipt arrived (at most 5 s more) and the window closes.",
    "- **Plain endpoint** (`ws://HOST:PORT/y/<doc>`): stock y-websocket `WebsocketProvider`s over Node `ws`, one provider and one socket per client. Client _i_ edits clause document _i mod R_ of the demo session (documents in template order), so each document has N/R clients.",
    "- **Multiplexed endpoint** (`ws://HOST:PORT/collab?token=T`): stock `@hocuspocus/provider` 4: one `HocuspocusProviderWebsocket` per client with all R documents attached (one `HocuspocusProvider` each); each edit goes to one of the client's documents, picked at random. The server also acknowledges every edit to its sender (sync status), which is not counted as a delivery.",
    `- **Rate.** Each client makes one small insert, a 5-9 character marker, every ${MIN_GAP_MS}-${MAX_GAP_MS} ms (uniform jitter from a per-client seeded mulberry32, random start offset): about ${fixed(2000 / (MIN_GAP_MS + MAX_GAP_MS), 1)} edits/s per client, the rate of a fast typist whose every keystroke is its own transaction.`,
    '- **Latency.** The marker `~<client>.<seq>~` is inserted at the start of the first paragraph\'s `Y.XmlText` (root `getXmlFragment("default")`, then `paragraph`, then its text); the sender records `performance.now()` just before the insert. Every client observes its documents (`observeDeep`, remote transactions only), reads the inserted strings from the text delta and, for each registered marker, records now minus send time. Percentiles are nearest-rank over all (send, receive) pairs; the expected count is, summed over edits, the clients on that document minus the sender.',
    "- **Server cost.** CPU: utime and stime of the server's PID from `/proc/<pid>/stat` at the window's start and end (kernel share = stime). RSS: `VmRSS` from `/proc/<pid>/status`, sampled every 500 ms from server start to the window's end (idle = just after start). Store: deltas over the window of `gavel_store_append_seconds` (sum/count = mean append latency) and `gavel_store_append_batch_records` (sum/count = mean records per group commit) from `/metrics`. Closes: deltas of `gavel_connection_closes_total` and the close events the clients saw.",
    "- **Client side.** All clients run in the bench process, on loopback; its CPU, its event-loop delay (`monitorEventLoopDelay`) and the CPU of every other process (from `/proc/stat`) are recorded over the same window.",
  ].join("\n");
}

function report(results: readonly Result[], failures: readonly Failure[], floor: StoreFloor | null): string {
  const sections = [
    "# Benchmarks",
    "Generated by `npm run bench` (scripts/bench.ts); each run overwrites this file.",
    "## What was run",
    machine(floor),
    "## Method",
    method(),
    "## Results",
    "Edit-to-receipt latency:",
    latencyTable(results),
    "Server cost over the window (a delivery is one update received by one client):",
    costTable(results),
    "Store (from the server's metrics over the window):",
    storeTable(results),
    'Client side and machine ("disturbed": other processes used more than 20 % of a core):',
    clientSideTable(results),
    "Errors and connection health (client-side closes and socket errors count from the first connection to the end of the window, not during teardown; server-side figures only inside the window):",
    healthTable(results),
  ];
  if (failures.length > 0) {
    sections.push("Failed scenarios:", failures.map((f) => `- \`${f.scenario.id}\`: ${f.error}`).join("\n"));
  }
  for (const r of [...results, ...failures]) {
    if (r.serverLog.length === 0) continue;
    sections.push(
      `Server output during \`${r.scenario.id}\` (first lines):`,
      ["```text", ...r.serverLog.slice(0, 10).map((l) => l.slice(0, 300)), "```"].join("\n"),
    );
  }
  sections.push(
    "## Reading",
    "Reference facts (DESIGN): a raw ws relay delivers ~170-190k small messages/s, each delivered message costing 12-23 µs of server CPU; Yjs costs ~27 µs per small update. The ratios below are taken within this run.",
    reading(results, failures, floor),
  );
  return `${sections.join("\n\n")}\n`;
}

async function main(): Promise<number> {
  const scenarios = ONLY.length > 0 ? SCENARIOS.filter((s) => ONLY.includes(s.id)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_ONLY matched no scenario (ids: ${SCENARIOS.map((s) => s.id)})`);
  let floor: StoreFloor | null = null;
  try {
    floor = await measureStoreFloor();
    process.stdout.write(
      `[store] one SQLite append: ${fixed(floor.wallUs, 0)} µs wall, ${fixed(floor.userUs, 0)} µs user + ${fixed(floor.systemUs, 0)} µs kernel CPU\n`,
    );
  } catch (error) {
    process.stderr.write(`[store] could not measure the SQLite append: ${String(error)}\n`);
  }
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
  const text = report(results, failures, floor);
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
