import { join } from "node:path";
import { type DocName, parseDocName } from "@gavel/model";
import { CloseCode } from "@gavel/protocol";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { changeOf, editorChange } from "../server/test/support/editorChanges.ts";
import { MUTATIONS, mutate } from "../server/test/support/mutations.ts";
import { type Rng, seededRng } from "../server/test/support/prng.ts";
import { api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient } from "./support/clients.ts";
import { muxPeer, plainPeer, type RawPeer, type SendOutcome } from "./support/rawPeers.ts";
import { expectOneText, readClause, storedTexts } from "./support/readings.ts";
import { startTestServer, type TestServer, waitUntil } from "./support/server.ts";

/**
 * Issue 8's invariant: after any sequence of accepted updates, the live document (API, lock), a
 * fresh client's sync, the text after compaction, after a restart, and the log replayed by time
 * travel and exports are one text. Real editor updates are damaged byte-wise and sent, mixed
 * with honest edits, on both endpoints, with a lock (and a restart) in the middle.
 */
const MUTATED = 2000;
const LOCKED_STEPS = 150;
const CLAUSE = "demo/glossary/c2";
const SECTION_PATH = "/api/sessions/demo/sections/glossary/clauses/c2";
/** Seeds that once broke the invariant, replayed on every run (none so far). */
const FIXED_SEEDS: readonly number[] = [];

function clauseName(): DocName {
  const parsed = parseDocName(CLAUSE);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

interface Run {
  t: TestServer;
  host: Awaited<ReturnType<TestServer["server"]["registry"]["acquire"]>>;
  tokens: { delegate: string; chair: string };
  peers: { plain: RawPeer | null; mux: RawPeer | null };
  tally: Map<string, number>;
  rng: Rng;
  step: number;
  /** The clause's state vector when it was locked. */
  lockedVector?: Uint8Array;
}

async function peerOf(run: Run, endpoint: "plain" | "mux"): Promise<RawPeer> {
  const existing = run.peers[endpoint];
  if (existing && existing.closeCode() === null) return existing;
  const peer = await (endpoint === "plain" ? plainPeer : muxPeer)(run.t.wsUrl, CLAUSE, run.tokens.delegate);
  run.peers[endpoint] = peer;
  return peer;
}

/** A copy of the live clause for the attacker, with an id of its own. */
function attackerCopy(run: Run): Y.Doc {
  const copy = new Y.Doc();
  copy.clientID = run.rng.int(1, 0xffff_fffe);
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(run.host.doc));
  return copy;
}

function count(run: Run, key: string): void {
  run.tally.set(key, (run.tally.get(key) ?? 0) + 1);
}

/** A damaged (or out-of-order) real editor update on one endpoint; the outcome is tallied. */
async function attack(run: Run, locked: boolean): Promise<void> {
  const { rng } = run;
  const endpoint = rng.next() < 0.5 ? "plain" : "mux";
  const copy = attackerCopy(run);
  const first = changeOf(copy, rng, `m${run.step}x`);
  const second = changeOf(copy, rng, `n${run.step}x`);
  const roll = rng.next();
  let outcome: SendOutcome;
  let kind: string;
  if (roll < 0.08) {
    // Honest but out of order, during the sync: held until the step 2 brings its dependency.
    kind = "held";
    const peer = await (endpoint === "plain" ? plainPeer : muxPeer)(run.t.wsUrl, CLAUSE, run.tokens.delegate, false);
    peer.post(second);
    outcome = await peer.send(Y.mergeUpdates([first, second]), "syncStep2");
    peer.close();
  } else {
    kind = roll < 0.16 ? "out-of-order" : rng.pick(MUTATIONS);
    const update = kind === "out-of-order" ? second : mutate(second, kind as (typeof MUTATIONS)[number], rng);
    outcome = await (await peerOf(run, endpoint)).send(update);
  }
  copy.destroy();
  await run.host.settled();
  const result = typeof outcome === "string" ? outcome : `closed ${outcome.closed}`;
  count(run, `${endpoint} ${result}`);
  if (typeof outcome !== "string") expect(outcome.closed, `${kind} on ${endpoint}`).toBe(CloseCode.invalidUpdate);
  const gap = [first, second].every((u) => Y.decodeUpdate(u).structs.length > 0);
  // A locked clause refuses before it looks further (LOCKED); otherwise a gap is 4422.
  const gapOutcome = locked ? "refused" : { closed: CloseCode.invalidUpdate };
  if (kind === "out-of-order" && gap) expect(outcome, "an update after a gap").toEqual(gapOutcome);
  // On a locked clause only what changes nothing (already contained) is acknowledged.
  if (locked) expect(Y.encodeStateVector(run.host.doc), "a write to a locked clause").toEqual(run.lockedVector);
  if (kind === "held" && !locked) expect(outcome).toBe("accepted");
}

interface Honest {
  readonly docs: Y.Doc[];
  destroy(): void;
}

async function honestEditors(t: TestServer): Promise<Honest> {
  // Secretariat tokens: their random brackets (by AFR) would otherwise be another writer's to
  // keep (SPEC BO), and a stock provider has no way to reset a refused copy.
  const plain = plainClient(t.wsUrl, CLAUSE, await t.token("secretariat", { delegation: "AFR" }));
  const token = await t.token("secretariat", { delegation: "CEPT" });
  const socket = multiplexedSocket(t.wsUrl, token);
  const mux = attachDocument(socket, CLAUSE, token);
  await waitUntil(() => plain.provider.synced && mux.synced, "honest editors synced");
  return {
    docs: [plain.doc, mux.document],
    destroy() {
      plain.provider.destroy();
      mux.destroy();
      socket.destroy();
    },
  };
}

const sameState = (a: Y.Doc, b: Y.Doc) =>
  Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));

/** An honest keystroke on one of the stock providers, waited for until the server stored it. */
async function honestEdit(run: Run, honest: Honest): Promise<void> {
  const doc = run.rng.pick(honest.docs);
  await waitUntil(() => sameState(doc, run.host.doc), "the editor has everything the server has");
  editorChange(doc, run.rng, `q${run.step}z`);
  await waitUntil(() => sameState(doc, run.host.doc), "the server has the honest edit");
  await run.host.settled();
  count(run, "honest");
}

async function start(dataDir?: string): Promise<TestServer> {
  return startTestServer({
    ...(dataDir ? { dataDir } : {}),
    keep: true,
    env: { COMPACT_EVERY: "25", MAX_FRAMES_PER_SECOND: "100000" },
  });
}

async function attach(run: Run, t: TestServer): Promise<void> {
  run.t = t;
  run.host = await t.server.registry.acquire(clauseName());
  run.peers = { plain: null, mux: null };
  // The writer is the secretariat: bracket ownership (SPEC BO, tested on its own) would refuse
  // honest edits that touch the brackets damaged updates leave behind, which is not this test's point.
  run.tokens = { delegate: await t.token("secretariat", { delegation: "X" }), chair: await t.token("chair") };
}

/** Closes (compacting every loaded document), reads the store, and starts again on the same file. */
async function restart(run: Run, expected: string, where: string): Promise<void> {
  for (const peer of Object.values(run.peers)) peer?.close();
  run.t.server.registry.release(run.host);
  await run.t.close();
  const store = openSqliteStore({ file: join(run.t.dataDir, "gavel.sqlite") });
  expect(await storedTexts(store, CLAUSE), `${where}: the store`).toEqual({ history: expected, snapshot: expected });
  await store.close();
  await attach(run, await start(run.t.dataDir));
  expect(expectOneText(await readClause(run.t, CLAUSE, run.tokens.chair), `${where}, restarted`)).toBe(expected);
}

async function phase(run: Run, steps: number, locked: boolean): Promise<void> {
  const honest = locked ? null : await honestEditors(run.t);
  for (let n = 0; n < steps; run.step++) {
    if (honest && run.rng.next() < 0.2) await honestEdit(run, honest);
    else {
      await attack(run, locked);
      n++;
    }
  }
  honest?.destroy();
}

async function runSeed(seed: number, mutated: number): Promise<void> {
  const run = { tally: new Map<string, number>(), rng: seededRng(seed), step: 0 } as Run;
  await attach(run, await start());
  const half = Math.floor((mutated - LOCKED_STEPS) / 2);
  await phase(run, half, false);

  const before = expectOneText(await readClause(run.t, CLAUSE, run.tokens.chair), `seed ${seed}: before the lock`);
  const lock = await api(run.t.httpUrl, run.tokens.chair, "POST", `${SECTION_PATH}/lock`, { reason: "gavel" });
  expect(lock.status).toBe(200);
  expect(expectOneText(await readClause(run.t, CLAUSE, run.tokens.chair), `seed ${seed}: locked`)).toBe(before);
  run.lockedVector = Y.encodeStateVector(run.host.doc);
  await phase(run, LOCKED_STEPS, true);
  expect(clauseText(run.host.doc)).toBe(before);
  await restart(run, before, `seed ${seed}: locked`);
  const unlock = await api(run.t.httpUrl, run.tokens.chair, "POST", `${SECTION_PATH}/unlock`, { reason: "reopened" });
  expect(unlock.status).toBe(200);

  await phase(run, mutated - LOCKED_STEPS - half, false);
  const end = expectOneText(await readClause(run.t, CLAUSE, run.tokens.chair), `seed ${seed}: at the end`);
  await restart(run, end, `seed ${seed}: at the end`);
  const metrics = await (await fetch(`${run.t.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(/gavel_stored_updates_skipped_total 0/);
  run.t.server.registry.release(run.host);
  await run.t.close();
  console.log(`invariant seed ${seed}:`, Object.fromEntries([...run.tally].sort()));
  const closed = [...run.tally].filter(([k]) => k.includes("closed")).reduce((sum, [, v]) => sum + v, 0);
  const accepted = [...run.tally].filter(([k]) => k.endsWith("accepted")).reduce((sum, [, v]) => sum + v, 0);
  expect(closed).toBeGreaterThan(mutated / 10);
  expect(accepted).toBeGreaterThan(mutated / 20);
}

describe("one invariant: every reading of a clause is the same text (issue 8)", () => {
  it(`${MUTATED} damaged editor updates and honest edits, both endpoints, a lock and restarts in the middle`, async () => {
    const seed = Number(process.env.INVARIANT_SEED ?? Date.now() % 2_147_483_647);
    console.log(`invariant seed: ${seed} (replay with INVARIANT_SEED=${seed})`);
    for (const fixed of FIXED_SEEDS) await runSeed(fixed, 400);
    await runSeed(seed, MUTATED);
  }, 300_000);
});
