/**
 * The scenarios of scripts/capacity.ts: servers (anchors and Gavel) as child processes, stock
 * clients, and what each scenario measures. Nothing here touches a process it did not spawn.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { TEMPLATES, writeClauseText } from "@gavel/model";
import type { secretKey, signToken } from "@gavel/server";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { createClient } from "redis";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { mulberry32 } from "../server/test/support/prng.ts";
import { freePort } from "../test/support/redis.ts";
import {
  type CpuTimes,
  cpuTimesOf,
  delta,
  fetchMetrics,
  labelledDeltas,
  percentile,
  rssBytesOf,
  runSecondsOf,
  type ServerChild,
  startServerChild,
  threadCpuOf,
} from "./benchSupport.ts";

export type TargetId = "yws" | "hocus" | "sqlite" | "redis" | "collab" | "redis2";

export interface Target {
  readonly id: TargetId;
  readonly label: string;
  readonly short: string;
  readonly gavel: boolean;
  readonly provider: "y" | "hocus";
  /** Gavel nodes sharing the store (two: the clients of each room are spread over them). */
  readonly nodes?: number;
}

export const TARGETS: readonly Target[] = [
  { id: "yws", label: "y-websocket server", short: "yws", gavel: false, provider: "y" },
  { id: "hocus", label: "Hocuspocus", short: "hocus", gavel: false, provider: "hocus" },
  { id: "sqlite", label: "Gavel SQLite", short: "SQLite", gavel: true, provider: "y" },
  { id: "redis", label: "Gavel Redis", short: "Redis", gavel: true, provider: "y" },
  { id: "collab", label: "Gavel /collab", short: "/collab", gavel: true, provider: "hocus" },
];

/**
 * Two Gavel nodes on one Redis (SHARED_STORE), both pinned to the server's core, the clients of
 * every room alternating between them: measured against one node in the same run, load
 * scenarios only.
 */
export const TWO_NODES: Target = {
  id: "redis2",
  label: "Gavel Redis, 2 nodes",
  short: "Redis x2",
  gavel: true,
  provider: "y",
  nodes: 2,
};

export interface Context {
  readonly root: string;
  readonly key: ReturnType<typeof secretKey>;
  readonly secret: string;
  readonly redisUrl: string | null;
  readonly seconds: number;
  readonly sign: typeof signToken;
}

export interface Load {
  readonly id: string;
  readonly title: string;
  readonly rooms: number;
  readonly perRoom: number;
  readonly typersPerRoom: number;
  readonly rate: number;
}

export const LOADS: readonly Load[] = [
  { id: "room50", title: "1 room x 50 clients, 2 edits/s", rooms: 1, perRoom: 50, typersPerRoom: 50, rate: 2 },
  { id: "rooms50", title: "50 rooms x 10, 1 edit/s", rooms: 50, perRoom: 10, typersPerRoom: 10, rate: 1 },
  { id: "rooms200", title: "200 rooms x 5, 1 edit/s", rooms: 200, perRoom: 5, typersPerRoom: 5, rate: 1 },
  {
    id: "plenary",
    title: "plenary: 1 room x 300, 10 typing at 3 edits/s",
    rooms: 1,
    perRoom: 300,
    typersPerRoom: 10,
    rate: 3,
  },
];

const SEED = Number(process.env.BENCH_SEED ?? 20_261_201);
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const DRAIN_MS = 5_000;
const CONNECT_TIMEOUT_MS = 90_000;
const DELEGATIONS = ["AFR", "ARB", "APT", "CEPT", "CITEL", "RCC"] as const;
const MARKER = /~(\d+\.\d+)~/g;
const OBSERVERS_PER_ROOM = 5;
const TEMPLATE = TEMPLATES["wtdc-action-plan"];

/**
 * What anchor room `i` starts from: the text of the template clause Gavel's room `i` holds
 * (same paragraphs, marks and brackets), the same bytes for every client of the room.
 */
const UNLOCKED_CLAUSES = TEMPLATE.sections.flatMap((section) => section.clauses.filter((c) => !c.locked));
const ANCHOR_SEEDS = UNLOCKED_CLAUSES.map((clause) => {
  const doc = new Y.Doc();
  doc.clientID = 1;
  writeClauseText(doc, clause.paragraphs);
  return Y.encodeStateAsUpdate(doc);
});

export interface Peer {
  readonly doc: Y.Doc;
  synced(): boolean;
  destroy(): void;
}

interface Running {
  readonly child: ServerChild;
  /** Every node of the target (the first is `child`); client i connects to node i mod n. */
  readonly children: readonly ServerChild[];
  readonly rooms: readonly string[];
  token(client: number, room: string): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

function gavelArgs(root: string): string[] {
  return existsSync(join(root, "server", "dist", "main.js"))
    ? ["server/dist/main.js"]
    : ["--import", "tsx", "server/src/main.ts"];
}

async function start(ctx: Context, target: Target, rooms: number, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  if (!target.gavel) {
    const script =
      target.id === "yws" ? "scripts/anchors/yWebsocketServer.mjs" : "scripts/anchors/hocuspocusServer.mjs";
    const child = await startServerChild({
      cwd: ctx.root,
      port,
      env,
      args: [script],
      healthPath: "/",
      healthTimeoutMs: 30_000,
      cpu: 0,
    });
    return {
      child,
      children: [child],
      rooms: Array.from({ length: rooms }, (_, i) => `room-${i}`),
      token: async () => undefined,
      cleanup: async () => {},
    };
  }
  const data = mkdtempSync(join(tmpdir(), "gavel-capacity-"));
  const prefix = `gavel-capacity:${process.pid}:${port}:`;
  const gavelEnv: Record<string, string> = {
    DATA_DIR: data,
    AUTH_SECRET: ctx.secret,
    LOG_LEVEL: "warn",
    MAX_FRAMES_PER_SECOND: "100000",
    UNLOAD_AFTER_MS: "1000",
    ...((target.id === "redis" || target.id === "redis2") && ctx.redisUrl
      ? { REDIS_URL: ctx.redisUrl, REDIS_PREFIX: prefix }
      : {}),
    ...(target.nodes ? { SHARED_STORE: "true", NODE_ID: "bench-1" } : {}),
    ...env,
  };
  const child = await startServerChild({
    cwd: ctx.root,
    port,
    env: gavelEnv,
    args: gavelArgs(ctx.root),
    healthTimeoutMs: 60_000,
    cpu: 0,
  });
  const children: ServerChild[] = [child];
  for (let n = 2; n <= (target.nodes ?? 1); n += 1) {
    children.push(
      await startServerChild({
        cwd: ctx.root,
        port: await freePort(),
        env: {
          ...gavelEnv,
          NODE_ID: `bench-${n}`,
          DEMO_SESSION: "demo",
          DATA_DIR: mkdtempSync(join(tmpdir(), "gavel-capacity-")),
        },
        args: gavelArgs(ctx.root),
        healthTimeoutMs: 60_000,
        cpu: 0,
      }),
    );
  }
  const sessions = ["demo"];
  const perSession = TEMPLATE.sections.reduce((n, s) => n + s.clauses.filter((c) => !c.locked).length, 0);
  for (let i = 1; sessions.length * perSession < rooms; i++) {
    const id = `b${i}`;
    const token = await ctx.sign(
      ctx.key,
      { sub: "bench-sec", name: "Bench", role: "secretariat", delegation: null, session: id },
      3600,
    );
    const response = await fetch(`${child.httpUrl}/api/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ id, template: "wtdc-action-plan" }),
    });
    if (response.status !== 201) throw new Error(`creating session ${id}: ${response.status} ${await response.text()}`);
    sessions.push(id);
  }
  // The template's locked clause takes no edits: it is no room to type in.
  const names = sessions.flatMap((s) =>
    TEMPLATE.sections.flatMap((sec) => sec.clauses.filter((c) => !c.locked).map((c) => `${s}/${sec.id}/${c.id}`)),
  );
  return {
    child,
    children,
    rooms: names.slice(0, rooms),
    token: (client, room) =>
      ctx.sign(
        ctx.key,
        {
          sub: `bench-${client}`,
          name: `Bench ${client}`,
          role: "delegate",
          delegation: DELEGATIONS[client % DELEGATIONS.length] ?? null,
          session: room.split("/")[0] ?? "demo",
        },
        3600,
      ),
    cleanup: async () => {
      for (const extra of children.slice(1)) await extra.stop();
      rmSync(data, { recursive: true, force: true });
      if ((target.id === "redis" || target.id === "redis2") && ctx.redisUrl)
        await deleteRedisKeys(ctx.redisUrl, prefix);
    },
  };
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  } finally {
    client.destroy();
  }
}

function connect(target: Target, running: Running, room: string, token: string | undefined, client = 0): Peer {
  const doc = new Y.Doc();
  if (!target.gavel)
    Y.applyUpdate(doc, ANCHOR_SEEDS[anchorIndex(room) % ANCHOR_SEEDS.length] ?? new Uint8Array([0, 0]));
  const base = (running.children[client % running.children.length] ?? running.child).wsUrl;
  if (target.provider === "y") {
    const provider = new WebsocketProvider(target.gavel ? `${base}/y` : base, room, doc, {
      params: token ? { token } : {},
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    return {
      doc,
      synced: () => provider.synced,
      destroy: () => {
        provider.destroy();
        doc.destroy();
      },
    };
  }
  const socket = new HocuspocusProviderWebsocket({
    url: target.gavel ? `${base}/collab?token=${encodeURIComponent(token ?? "")}` : base,
    WebSocketPolyfill: WebSocket,
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: room,
    token: token ?? "anchor",
    document: doc,
  });
  provider.attach();
  return {
    doc,
    synced: () => provider.isSynced,
    destroy: () => {
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
}

/** `room-12` -> 12. */
function anchorIndex(room: string): number {
  return Number(room.slice(room.lastIndexOf("-") + 1)) || 0;
}

export function firstText(doc: Y.Doc): Y.XmlText | null {
  const paragraph = doc.getXmlFragment("default").get(0);
  const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null;
  return text instanceof Y.XmlText ? text : null;
}

async function connectAll(target: Target, running: Running, plan: readonly string[]): Promise<Peer[]> {
  const tokens = await Promise.all(plan.map((room, i) => running.token(i, room)));
  const peers = plan.map((room, i) => connect(target, running, room, tokens[i], i));
  await until(
    () => peers.every((p) => p.synced() && firstText(p.doc) !== null),
    CONNECT_TIMEOUT_MS,
    running,
    "clients synced",
  );
  return peers;
}

async function until(condition: () => boolean, timeoutMs: number, running: Running, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (running.child.exited) throw new Error(`the server exited waiting for ${what}`);
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

/** BENCH_THREADS=1: print each server thread's CPU over the window (diagnosis, not a figure). */
const THREADS = process.env.BENCH_THREADS === "1";

function reportThreads(what: string, before: Map<string, CpuTimes>, after: Map<string, CpuTimes>): void {
  const lines = [...after].map(([name, t]) => {
    const b = before.get(name) ?? { user: 0, system: 0 };
    return { name, user: t.user - b.user, system: t.system - b.system };
  });
  const shown = lines
    .filter((l) => l.user + l.system > 0)
    .sort((a, b) => b.user + b.system - (a.user + a.system))
    .map((l) => `${l.name} ${l.user.toFixed(2)}u+${l.system.toFixed(2)}s`);
  process.stderr.write(`[bench] ${what} threads: ${shown.join(", ")}\n`);
}

function cpuSeconds(pid: number): number {
  const t = cpuTimesOf(pid);
  return t.user + t.system;
}

/** CPU of every node of a target, summed. */
function nodesCpuSeconds(running: Running): number {
  return running.children.reduce((sum, child) => sum + cpuSeconds(child.pid), 0);
}

async function finish(running: Running, peers: readonly Peer[]): Promise<void> {
  for (const peer of peers) peer.destroy();
  await running.child.stop();
  await running.cleanup();
}

export interface LoadFigures {
  readonly cpuUsPerDelivery: number;
  readonly p50: number;
  readonly p99: number;
  readonly loadElu: number;
  readonly batchRecords: number | null;
  /** Gavel's write outcomes over the window other than "applied", e.g. `outcome="refused" x3`. */
  readonly otherOutcomes: string;
}

export async function runLoad(ctx: Context, target: Target, load: Load): Promise<LoadFigures> {
  const running = await start(ctx, target, load.rooms);
  const plan = running.rooms.flatMap((room) => Array.from({ length: load.perRoom }, () => room));
  let peers: Peer[] = [];
  try {
    peers = await connectAll(target, running, plan);
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    let expected = 0;
    let edits = 0;
    // Latency is read on a few clients per room (reading deltas costs the load generator).
    const observers = peers.filter((_, i) => i % load.perRoom >= load.perRoom - OBSERVERS_PER_ROOM);
    const perEdit = Math.min(OBSERVERS_PER_ROOM, load.perRoom);
    for (const peer of observers) observeMarkers(peer.doc, sent, latencies);
    // Read before any typing: read at the window's start, the first HTTP request after the
    // sockets' traffic deoptimised hot stream code (V8's log showed it), and the window paid for
    // its recompilation. The batch and outcome figures so cover the warm-up and the window.
    const metricsBefore = target.gavel ? await fetchMetrics(running.child.httpUrl) : null;
    let measuring = false;
    let typingEnd = Number.POSITIVE_INFINITY;
    const timers = new Set<NodeJS.Timeout>();
    peers.forEach((peer, i) => {
      if (i % load.perRoom >= load.typersPerRoom) return;
      const rng = mulberry32((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      let seq = 0;
      const tick = () => {
        if (performance.now() >= typingEnd) return;
        seq += 1;
        const marker = `${i}.${seq}`;
        if (measuring) {
          sent.set(marker, performance.now());
          edits += 1;
          // A typing observer does not receive its own edit.
          expected += i % load.perRoom >= load.perRoom - OBSERVERS_PER_ROOM ? perEdit - 1 : perEdit;
        }
        // Each client's brackets at its own phase: in step, every client of a room bracketed in
        // the same second, once every 25 edits.
        type(peer.doc, marker, (seq + i) % 25 === 0 ? (DELEGATIONS[i % DELEGATIONS.length] ?? "AFR") : null);
        const timer = setTimeout(tick, (1000 / load.rate) * (0.5 + rng()));
        timers.add(timer);
      };
      timers.add(setTimeout(tick, rng() * (1000 / load.rate)));
    });
    await delay(WARMUP_MS);
    const cpuBefore = nodesCpuSeconds(running);
    const threadsBefore = THREADS ? threadCpuOf(running.child.pid) : null;
    const eluBefore = performance.eventLoopUtilization();
    measuring = true;
    typingEnd = performance.now() + ctx.seconds * 1000;
    while (performance.now() < typingEnd) await delay(100);
    const drainEnd = performance.now() + DRAIN_MS;
    while (latencies.length < expected && performance.now() < drainEnd) await delay(20);
    const cpu = nodesCpuSeconds(running) - cpuBefore;
    if (threadsBefore) reportThreads(`${load.id} on ${target.id}`, threadsBefore, threadCpuOf(running.child.pid));
    const elu = performance.eventLoopUtilization(eluBefore);
    const metricsAfter = target.gavel ? await fetchMetrics(running.child.httpUrl) : null;
    for (const timer of timers) clearTimeout(timer);
    if (latencies.length < expected * 0.99)
      process.stderr.write(`[bench] ${load.id} on ${target.id}: ${latencies.length} of ${expected} deliveries\n`);
    const sorted = latencies.sort((a, b) => a - b);
    const batch =
      metricsBefore && metricsAfter
        ? delta(metricsBefore, metricsAfter, "gavel_store_append_batch_records_sum") /
          Math.max(1, delta(metricsBefore, metricsAfter, "gavel_store_append_batch_records_count"))
        : null;
    // Every other client of the room receives each edit (the observers show none is missing).
    const deliveries = edits * (load.perRoom - 1) * Math.min(1, latencies.length / Math.max(1, expected));
    const outcomes =
      metricsBefore && metricsAfter ? labelledDeltas(metricsBefore, metricsAfter, "gavel_updates_total") : new Map();
    const otherOutcomes = [...outcomes]
      .filter(([label]) => !label.includes('"applied"'))
      .map(([label, n]) => `${label} x${n}`)
      .join(", ");
    return {
      otherOutcomes,
      cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, deliveries),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      loadElu: elu.utilization,
      batchRecords: batch,
    };
  } finally {
    await finish(running, peers);
  }
}

/** An edit as the room's editor makes it: a marker typed into the first paragraph, now and then a bracket. */
function type(doc: Y.Doc, marker: string, bracketOf: string | null): void {
  const text = firstText(doc);
  if (!text) return;
  if (bracketOf === null) text.insert(0, `~${marker}~`);
  else
    text.insert(0, `~${marker}~`, {
      bracket: { id: `b${marker}`, by: [bracketOf], reason: "substantive", group: null, note: null },
    });
}

function observeMarkers(doc: Y.Doc, sent: Map<string, number>, latencies: number[]): void {
  doc.getXmlFragment("default").observeDeep((events, transaction) => {
    if (transaction.local || sent.size === 0) return;
    const now = performance.now();
    for (const event of events) {
      if (!(event.target instanceof Y.XmlText)) continue;
      for (const op of event.delta) {
        if (typeof op.insert !== "string") continue;
        for (const match of op.insert.matchAll(MARKER)) {
          const at = sent.get(match[1] ?? "");
          if (at !== undefined) latencies.push(now - at);
        }
      }
    }
  });
}

export async function runStorm(ctx: Context, target: Target): Promise<{ seconds: number; kbPerClient: number }> {
  const running = await start(ctx, target, 10);
  let peers: Peer[] = [];
  try {
    await delay(1_000);
    const idle = rssBytesOf(running.child.pid);
    const plan = running.rooms.flatMap((room) => Array.from({ length: 100 }, () => room));
    const threadsBefore = THREADS ? threadCpuOf(running.child.pid) : null;
    const begin = performance.now();
    peers = await connectAll(target, running, plan);
    const seconds = (performance.now() - begin) / 1000;
    if (threadsBefore) reportThreads(`storm on ${target.id}`, threadsBefore, threadCpuOf(running.child.pid));
    const after = rssBytesOf(running.child.pid);
    return { seconds, kbPerClient: (after - idle) / 1024 / plan.length };
  } finally {
    await finish(running, peers);
  }
}

/** BENCH_IDLE_SECONDS: how long an idle server is left alone before its settled RSS is read. */
export const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 40);

/**
 * RSS of a server no client has connected to: 1 s after it answers its health check, and
 * IDLE_SECONDS after (its start-up garbage collected by V8's memory reducer, Gavel's idle
 * SQLite writer thread stopped). One server at a time, alone on its core.
 */
export async function runIdle(ctx: Context, target: Target): Promise<{ earlyMb: number; settledMb: number }> {
  const running = await start(ctx, target, 1);
  try {
    const begin = performance.now();
    await delay(1_000);
    const earlyMb = rssBytesOf(running.child.pid) / 1024 / 1024;
    await delay(Math.max(0, begin + IDLE_SECONDS * 1000 - performance.now()));
    return { earlyMb, settledMb: rssBytesOf(running.child.pid) / 1024 / 1024 };
  } finally {
    await finish(running, []);
  }
}

export interface ColdFigures {
  readonly ingestPerSecond: number;
  readonly failedBatches: number | null;
  readonly coldServerMs: number | null;
  readonly coldEndToEndMs: number | null;
  readonly tenVsOneCpu: number | null;
}

const INGEST_UPDATES = 50_000;
/** 20 characters: 50,000 of them make the 1 MB clause. */
const INGEST_TEXT = "ingest-0123456789abc";

export async function runIngestAndCold(ctx: Context, target: Target): Promise<ColdFigures> {
  const running = await start(ctx, target, 1);
  const peers: Peer[] = [];
  try {
    const room = running.rooms[0] ?? "";
    peers.push(...(await connectAll(target, running, [room, room])));
    const [writer, observer] = peers;
    const text = writer ? firstText(writer.doc) : null;
    const seen = observer ? firstText(observer.doc) : null;
    if (!text || !seen) throw new Error("no paragraph to type into");
    const goal = seen.length + INGEST_UPDATES * INGEST_TEXT.length;
    const before = target.gavel ? await fetchMetrics(running.child.httpUrl) : null;
    const begin = performance.now();
    for (let i = 0; i < INGEST_UPDATES; i++) {
      text.insert(0, INGEST_TEXT);
      if (i % 500 === 499) await delay(0);
    }
    await until(() => seen.length >= goal, 180_000, running, "the ingest to reach the observer");
    const ingestPerSecond = INGEST_UPDATES / ((performance.now() - begin) / 1000);
    const after = target.gavel ? await fetchMetrics(running.child.httpUrl) : null;
    const failedBatches = before && after ? delta(before, after, "gavel_store_append_failed_batches_total") : null;
    if (!target.gavel)
      return { ingestPerSecond, failedBatches, coldServerMs: null, coldEndToEndMs: null, tenVsOneCpu: null };
    for (const peer of peers.splice(0)) peer.destroy();
    // Alternately, COLD_REPEATS times each: a single load is too noisy to read a ratio from.
    const ones: ColdLoad[] = [];
    const tens: ColdLoad[] = [];
    for (let i = 0; i < COLD_REPEATS; i++) {
      ones.push(await coldLoad(target, running, room, 1));
      tens.push(await coldLoad(target, running, room, 10));
    }
    const of = (loads: ColdLoad[], pick: (load: ColdLoad) => number) => median(loads.map(pick));
    return {
      ingestPerSecond,
      failedBatches,
      coldServerMs: target.provider === "y" ? of(ones, (l) => l.serverMs) : null,
      coldEndToEndMs: of(ones, (l) => l.endToEndMs),
      tenVsOneCpu:
        of(tens, (l) => l.cpu) /
        Math.max(
          1e-9,
          of(ones, (l) => l.cpu),
        ),
    };
  } finally {
    await finish(running, peers);
  }
}

/** Cold loads measured per figure; the figures are their medians. */
const COLD_REPEATS = 3;

interface ColdLoad {
  readonly serverMs: number;
  readonly endToEndMs: number;
  /** Server CPU seconds, every thread, from the first connection until the server is quiet again. */
  readonly cpu: number;
}

/** Storms run per server; the figures are their medians. */
export const STORM_ROUNDS = 3;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * CPU seconds the server has used since `since`, read once it is quiet: under 2 ms of CPU in a
 * 50 ms step (at most 5 s). A load goes on after its clients are synced (the clause is replayed
 * after its stored state was sent): reading at "synced" would count a random part of it.
 */
async function cpuUntilQuiet(pid: number, since: number): Promise<number> {
  let last = runSecondsOf(pid);
  for (let step = 0; step < 100; step++) {
    await delay(50);
    const now = runSecondsOf(pid);
    if (now - last < 0.002) return now - since;
    last = now;
  }
  return last - since;
}

/** Waits until the clause is unloaded, then connects `clients` fresh clients at once. */
async function coldLoad(target: Target, running: Running, room: string, clients: number): Promise<ColdLoad> {
  const http = running.child.httpUrl;
  const deadline = performance.now() + 30_000;
  while ((await fetchMetrics(http)).get("gavel_documents_loaded") !== 0) {
    if (performance.now() > deadline) throw new Error("the clause was not unloaded within 30 s");
    await delay(200);
  }
  const before = await fetchMetrics(http);
  const cpuBefore = runSecondsOf(running.child.pid);
  const begin = performance.now();
  const peers = await connectAll(
    target,
    running,
    Array.from({ length: clients }, () => room),
  );
  const endToEndMs = performance.now() - begin;
  const cpu = await cpuUntilQuiet(running.child.pid, cpuBefore);
  const after = await fetchMetrics(http);
  for (const peer of peers) peer.destroy();
  const answers = Math.max(1, delta(before, after, "gavel_sync_answer_seconds_count"));
  return { serverMs: (delta(before, after, "gavel_sync_answer_seconds_sum") * 1000) / answers, endToEndMs, cpu };
}
