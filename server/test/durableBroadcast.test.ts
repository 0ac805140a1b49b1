import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Actor, type ClauseEntry, type DocName, NO_FIGURES, parseDocName, writeClauseText } from "@gavel/model";
import type { Notice } from "@gavel/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { tempDir } from "../../test/support/tmp.ts";
import type { DocSubscriber, DocumentHost } from "../src/core/DocumentHost.ts";
import { DocumentRegistry } from "../src/core/DocumentRegistry.ts";
import { GroupCommit } from "../src/core/GroupCommit.ts";
import { UpdateIntake } from "../src/core/UpdateIntake.ts";
import type { Store, UpdateAuthor } from "../src/store/Store.ts";
import { openSqliteStore } from "../src/store/sqliteStore.ts";

const CLAUSE = "s1/main/c1";
const INDEX = "s1/main";
const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

function docName(name: string): DocName {
  const parsed = parseDocName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

const ENTRY: ClauseEntry = {
  id: "c1",
  createdAt: "2024-01-01T00:00:00.000Z",
  createdBy: "server",
  consensus: { state: "open" },
  lock: null,
  number: 1,
  formerNumbers: [],
  figures: NO_FIGURES,
};

/**
 * The real SQLite store, failing every `n`-th append; `held` mirrors what it holds: each
 * successful append is applied to it the moment the store answers, before any caller hears.
 */
function failingStore(inner: Store, n: number): { store: Store; held: Map<string, Y.Doc> } {
  const held = new Map<string, Y.Doc>();
  let appends = 0;
  const store: Store = {
    ...inner,
    append: async (records) => {
      appends += 1;
      if (appends % n === 0) throw new Error(`append ${appends} fails (every ${n}th)`);
      const ids = await inner.append(records);
      records.forEach((record, i) => {
        if (ids[i] === null) return;
        const doc = held.get(record.doc) ?? new Y.Doc();
        held.set(record.doc, doc);
        Y.applyUpdate(doc, record.update);
      });
      return ids;
    },
  };
  return { store, held };
}

/** Sends of updates the store did not hold yet (recorded, not thrown: the server would catch it). */
const violations: string[] = [];

/** Every update a subscriber is sent must already be in the store. */
function assertHeld(held: Map<string, Y.Doc>, update: Uint8Array, what: string): void {
  const doc = held.get(CLAUSE);
  if (!doc || !Y.snapshotContainsUpdate(Y.snapshot(doc), update))
    violations.push(`${what}: a subscriber was sent an update the store does not hold`);
}

/** A stock-like client: a Y.Doc kept in sync through the host, that reconnects when told to. */
class Peer implements DocSubscriber {
  readonly doc = new Y.Doc();
  host: DocumentHost | null = null;
  intake: UpdateIntake | null = null;
  received = 0;
  lost = 0;
  constructor(
    readonly actor: Actor,
    private readonly held: Map<string, Y.Doc>,
  ) {
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== this) this.intake?.receive(update, "update");
    });
  }
  sendUpdate(update: Uint8Array): void {
    assertHeld(this.held, update, "broadcast");
    this.received += 1;
    Y.applyUpdate(this.doc, update, this);
  }
  sendAwareness(): void {}
  notify(_notice: Notice): void {}
  documentLost(): void {
    this.lost += 1;
    this.intake?.close();
    this.host?.unsubscribe(this);
    this.host = null;
    this.intake = null;
  }
}

async function connect(peer: Peer, registry: DocumentRegistry, held: Map<string, Y.Doc>): Promise<void> {
  const host = await registry.acquire(docName(CLAUSE));
  peer.host = host;
  peer.intake = new UpdateIntake(host, peer, () => {});
  host.subscribe(peer);
  // Sync step 1 answered, then the peer's own sync step 2 (its offline edits, if any).
  let step2: Uint8Array;
  try {
    step2 = await host.readDurable((doc) => Y.encodeStateAsUpdate(doc, Y.encodeStateVector(peer.doc)));
  } catch {
    // The copy was dropped before what it held was durable: the answer never leaves.
    expect(peer.host).toBeNull();
    return;
  }
  assertHeld(held, step2, "sync step 2");
  Y.applyUpdate(peer.doc, step2, peer);
  peer.intake?.receive(Y.encodeStateAsUpdate(peer.doc, Y.encodeStateVector(host.doc)), "syncStep2");
}

function paragraphText(doc: Y.Doc): Y.XmlText | null {
  const paragraph = doc.getXmlFragment("default").get(0);
  const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null;
  return text instanceof Y.XmlText ? text : null;
}

const step = fc.record({
  peer: fc.nat(3),
  kind: fc.constantFrom("insert", "insert", "delete", "format", "settle"),
  at: fc.nat(),
  text: fc.string({ minLength: 1, maxLength: 4 }),
});

describe("durable before broadcast", () => {
  it("no subscriber is ever sent an update the store does not hold, with a store failing every n-th append (seeded)", async () => {
    let runs = 0;
    let reloads = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.array(step, { minLength: 20, maxLength: 60 }),
        async (n, steps) => {
          runs += 1;
          const dir = tempDir("gavel-durable");
          const inner = openSqliteStore({ file: join(dir, "gavel.db") });
          const seedDoc = new Y.Doc();
          writeClauseText(seedDoc, [[{ text: "Base text." }]]);
          const index = new Y.Doc();
          index.getMap<ClauseEntry>("clauses").set("c1", ENTRY);
          index.getArray<string>("order").push(["c1"]);
          await inner.append([
            { doc: CLAUSE, update: Y.encodeStateAsUpdate(seedDoc), author: SERVER, at: 1 },
            { doc: INDEX, update: Y.encodeStateAsUpdate(index), author: SERVER, at: 1 },
          ]);
          const { store, held } = failingStore(inner, n);
          const mirror = new Y.Doc();
          Y.applyUpdate(mirror, Y.encodeStateAsUpdate(seedDoc));
          held.set(CLAUSE, mirror);
          const commit = new GroupCommit(store);
          const registry = new DocumentRegistry(
            store,
            commit,
            { unloadAfterMs: 60_000, compactEvery: 7 },
            { onOutcome: () => {}, onError: () => {} },
          );
          const peers = [0, 1, 2, 3].map(
            (i) =>
              new Peer(
                { sub: `d${i}`, name: `Delegate ${i}`, role: "secretariat", delegation: null, session: "s1" },
                held,
              ),
          );
          try {
            for (const peer of peers) await connect(peer, registry, held);
            for (const s of steps) {
              const peer = peers[s.peer] ?? peers[0];
              if (!peer) continue;
              if (!peer.host) await connect(peer, registry, held);
              const text = paragraphText(peer.doc);
              if (s.kind === "settle" || !text) {
                await commit.drained();
                continue;
              }
              const at = s.at % (text.length + 1);
              if (s.kind === "insert") text.insert(at, s.text);
              else if (s.kind === "delete" && text.length > 0) text.delete(at % text.length, 1);
              else if (s.kind === "format" && text.length > 0) text.format(at % text.length, 1, { bold: {} });
            }
            await commit.drained();
            for (const peer of peers) await peer.host?.settled();
          } finally {
            await registry.closeAll();
            await inner.close();
            rmSync(dir, { recursive: true, force: true });
          }
          expect(violations).toEqual([]);
          // Edits went through despite the failures: copies were dropped and peers reconnected.
          reloads += peers.reduce((sum, p) => sum + p.lost, 0);
          return peers.some((p) => p.received > 0);
        },
      ),
      { seed: SEED, numRuns: 15, endOnFailure: true },
    );
    expect(runs).toBe(15);
    // The failures did happen, and were answered by reloads.
    expect(reloads).toBeGreaterThan(0);
  });
});
