import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  type Actor,
  type ClauseEntry,
  type DocName,
  NO_FIGURES,
  parseDocName,
  prosemirrorLayout,
  readClausePlainText,
  writeClauseText,
} from "@gavel/model";
import type { Notice } from "@gavel/protocol";
import { describe, expect, it, onTestFinished } from "vitest";
import * as Y from "yjs";
import { tempDir } from "../../test/support/tmp.ts";
import type { DocSubscriber, DocumentHost, WriteOutcome } from "../src/core/DocumentHost.ts";
import { DocumentRegistry, type SkippedRecord } from "../src/core/DocumentRegistry.ts";
import { GroupCommit } from "../src/core/GroupCommit.ts";
import { replaySection } from "../src/core/sectionState.ts";
import { MAX_HELD_UPDATES, UpdateIntake } from "../src/core/UpdateIntake.ts";
import type { UpdateAuthor } from "../src/store/Store.ts";
import { openSqliteStore, type SqliteStore } from "../src/store/sqliteStore.ts";

const CLAUSE = "s1/main/c1";
const INDEX = "s1/main";
const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const MALLORY: UpdateAuthor = { sub: "mallory", name: "Delegate of X", role: "delegate", delegation: "X" };
const ISSUE_8_UPDATE = Uint8Array.from(Buffer.from("0101a0af9f9eedfa847f00c10103667a3000", "hex"));
const DELEGATE: Actor = { sub: "d1", name: "Delegate", role: "delegate", delegation: "AFR", session: "s1" };

function docName(name: string): DocName {
  const parsed = parseDocName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

class Subscriber implements DocSubscriber {
  readonly updates: Uint8Array[] = [];
  readonly presence: Uint8Array[] = [];
  constructor(readonly actor: Actor) {}
  sendUpdate(update: Uint8Array): void {
    this.updates.push(update);
  }
  sendAwareness(update: Uint8Array): void {
    this.presence.push(update);
  }
  documentLost(): void {}
  notify(_notice: Notice): void {}
}

interface Env {
  readonly store: SqliteStore;
  readonly registry: DocumentRegistry;
  readonly skipped: SkippedRecord[];
  fresh(): DocumentRegistry;
}

function setup(): Env {
  const dir = tempDir("gavel-guards");
  const store = openSqliteStore({ file: join(dir, "gavel.db") });
  const skipped: SkippedRecord[] = [];
  const registries: DocumentRegistry[] = [];
  const fresh = () => {
    const registry = new DocumentRegistry(
      store,
      new GroupCommit(store),
      { unloadAfterMs: 60_000, compactEvery: 10_000 },
      { onOutcome: () => {}, onError: () => {}, onSkipped: (s) => skipped.push(s) },
    );
    registries.push(registry);
    return registry;
  };
  const registry = fresh();
  onTestFinished(async () => {
    for (const r of registries) await r.closeAll();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, registry, skipped, fresh };
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

/** The clause "Base text." (client 1) and an index listing it, stored directly. */
async function seed(env: Env): Promise<Y.Doc> {
  const doc = new Y.Doc();
  doc.clientID = 1;
  writeClauseText(doc, [[{ text: "Base text." }]]);
  const index = new Y.Doc();
  index.getMap<ClauseEntry>("clauses").set("c1", ENTRY);
  index.getArray<string>("order").push(["c1"]);
  await env.store.append([
    { doc: CLAUSE, update: Y.encodeStateAsUpdate(doc), author: SERVER, at: 1 },
    { doc: INDEX, update: Y.encodeStateAsUpdate(index), author: SERVER, at: 1 },
  ]);
  return doc;
}

function firstText(doc: Y.Doc): Y.XmlText {
  const paragraph = doc.getXmlFragment("default").get(0);
  const text = paragraph instanceof Y.XmlElement ? paragraph.get(0) : null;
  if (!(text instanceof Y.XmlText)) throw new Error("no text");
  return text;
}

/** A client that typed `offline` while disconnected, then `keystroke`: the updates and its step 2. */
function offlineClient(host: DocumentHost) {
  const client = new Y.Doc();
  client.clientID = 4242;
  Y.applyUpdate(client, Y.encodeStateAsUpdate(host.doc));
  const serverVector = Y.encodeStateVector(host.doc);
  firstText(client).insert(0, "Offline. ");
  const before = Y.encodeStateVector(client);
  firstText(client).insert(0, "Online! ");
  const keystroke = Y.encodeStateAsUpdate(client, before);
  return { client, keystroke, step2: Y.encodeStateAsUpdate(client, serverVector) };
}

async function settledAnswers(answers: WriteOutcome[], count: number): Promise<void> {
  // Bounded by time, not turns: appends run on the store's writer thread.
  const deadline = Date.now() + 10_000;
  while (answers.length < count && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(answers).toHaveLength(count);
}

describe("the write path accepts only updates Yjs can round-trip", () => {
  it("refuses the 18-byte update of issue 8 as invalid: nothing stored, the clause still encodes", async () => {
    const env = setup();
    await seed(env);
    const host = await env.registry.acquire(docName(CLAUSE));
    const outcome = await host.receiveUpdate(new Subscriber(DELEGATE), ISSUE_8_UPDATE, false);
    expect(outcome.type).toBe("invalid");
    expect(await env.store.history(CLAUSE)).toHaveLength(1);
    expect(() => Y.encodeStateAsUpdate(host.doc)).not.toThrow();
  });

  it("answers an update that builds on structs the server lacks as pending: nothing stored or sent", async () => {
    const env = setup();
    await seed(env);
    const host = await env.registry.acquire(docName(CLAUSE));
    const watcher = new Subscriber(DELEGATE);
    host.subscribe(watcher);
    const { keystroke } = offlineClient(host);
    expect((await host.receiveUpdate(new Subscriber(DELEGATE), keystroke, false)).type).toBe("pending");
    expect(await env.store.history(CLAUSE)).toHaveLength(1);
    expect(watcher.updates).toEqual([]);
    expect(host.doc.store.pendingStructs).toBeNull();
  });
});

describe("UpdateIntake: held back until the sync", () => {
  it("holds a keystroke sent before its offline edits, and answers it once the sync step 2 brought them", async () => {
    const env = setup();
    await seed(env);
    const host = await env.registry.acquire(docName(CLAUSE));
    const watcher = new Subscriber(DELEGATE);
    host.subscribe(watcher);
    const answers: WriteOutcome[] = [];
    const intake = new UpdateIntake(host, new Subscriber(DELEGATE), (o) => answers.push(o));
    const { client, keystroke, step2 } = offlineClient(host);

    intake.receive(keystroke, "update");
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual([]);
    expect(watcher.updates).toEqual([]);
    expect(await env.store.history(CLAUSE)).toHaveLength(1);

    intake.receive(step2, "syncStep2");
    await settledAnswers(answers, 2);
    expect(answers.map((a) => a.type).sort()).toEqual(["applied", "unchanged"]);
    expect(readClausePlainText(host.doc)).toBe(readClausePlainText(client));
    expect(await env.store.history(CLAUSE)).toHaveLength(2);
  });

  it("drops a held update, answered invalid, when the sync ends without its dependencies", async () => {
    const env = setup();
    await seed(env);
    const host = await env.registry.acquire(docName(CLAUSE));
    const answers: WriteOutcome[] = [];
    const intake = new UpdateIntake(host, new Subscriber(DELEGATE), (o) => answers.push(o));
    const { keystroke } = offlineClient(host);
    intake.receive(keystroke, "update");
    intake.receive(new Uint8Array([0, 0]), "syncStep2");
    await settledAnswers(answers, 2);
    expect(answers.map((a) => a.type).sort()).toEqual(["invalid", "unchanged"]);
    // After the sync nothing is held: a pending update is refused at once.
    intake.receive(keystroke, "update");
    await settledAnswers(answers, 3);
    expect(answers[2]?.type).toBe("invalid");
    expect(await env.store.history(CLAUSE)).toHaveLength(1);
  });

  it(`holds at most ${MAX_HELD_UPDATES} updates`, async () => {
    const env = setup();
    await seed(env);
    const host = await env.registry.acquire(docName(CLAUSE));
    const answers: WriteOutcome[] = [];
    const intake = new UpdateIntake(host, new Subscriber(DELEGATE), (o) => answers.push(o));
    const { keystroke } = offlineClient(host);
    for (let i = 0; i <= MAX_HELD_UPDATES; i++) intake.receive(keystroke, "update");
    await settledAnswers(answers, 1);
    expect(answers[0]).toMatchObject({ type: "invalid", reason: expect.stringMatching(/too many updates held/) });
  });
});

describe("a stored log with updates written before the check", () => {
  /** Appends, as old code did, updates the check refuses today: an unsafe id, pending structs, pending deletes. */
  async function poison(env: Env, base: Y.Doc): Promise<{ honest: string }> {
    const offline = new Y.Doc();
    offline.clientID = 77;
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(base));
    firstText(offline).insert(0, "lost ");
    const before = Y.encodeStateVector(offline);
    firstText(offline).insert(0, "fz0 ");
    const pendingStructs = Y.encodeStateAsUpdate(offline, before);
    const deleteVector = Y.encodeStateVector(offline);
    firstText(offline).delete(0, 2);
    const pendingDeletes = Y.encodeStateAsUpdate(offline, deleteVector);
    const honest = new Y.Doc();
    honest.clientID = 5;
    Y.applyUpdate(honest, Y.encodeStateAsUpdate(base));
    const vector = Y.encodeStateVector(honest);
    firstText(honest).insert(firstText(honest).length, " Kept.");
    const records = [ISSUE_8_UPDATE, pendingStructs, pendingDeletes, Y.encodeStateAsUpdate(honest, vector)];
    await env.store.append(records.map((update) => ({ doc: CLAUSE, update, author: MALLORY, at: 2 })));
    return { honest: readClausePlainText(honest) };
  }

  it("opens: each is skipped and reported with its store id and author; nothing pending, it encodes", async () => {
    const env = setup();
    const { honest } = await poison(env, await seed(env));
    const ids = (await env.store.history(CLAUSE)).map((r) => r.id);

    const host = await env.registry.acquire(docName(CLAUSE));

    expect(env.skipped.map((s) => [s.id, s.author?.sub])).toEqual([
      [ids[1], "mallory"],
      [ids[2], "mallory"],
      [ids[3], "mallory"],
    ]);
    expect(readClausePlainText(host.doc)).toBe(honest);
    expect(host.doc.store.pendingStructs).toBeNull();
    expect(host.doc.store.pendingDs).toBeNull();
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(host.doc));
    expect(readClausePlainText(fresh)).toBe(honest);
    // Time travel and exports replay the log the same way.
    const state = replaySection(INDEX, await env.store.sectionHistory(INDEX), prosemirrorLayout);
    expect(state.clauses[0]?.content.text).toBe(honest);
  });

  it("compacts after such a load, so the next load skips nothing", async () => {
    const env = setup();
    const { honest } = await poison(env, await seed(env));
    await env.registry.acquire(docName(CLAUSE));
    // Still loaded, never unloaded: the snapshot is the load's own.
    const deadline = Date.now() + 10_000;
    while ((await env.store.load(CLAUSE)).snapshot === null && Date.now() < deadline)
      await new Promise((r) => setImmediate(r));
    expect((await env.store.load(CLAUSE)).updates).toEqual([]);
    env.skipped.length = 0;
    const again = await env.fresh().acquire(docName(CLAUSE));
    expect(env.skipped).toEqual([]);
    expect(readClausePlainText(again.doc)).toBe(honest);
  });

  it("replays the whole history when the snapshot itself cannot be integrated", async () => {
    const env = setup();
    const base = await seed(env);
    const { honest } = await poison(env, base);
    const head = (await env.store.history(CLAUSE)).at(-1)?.id ?? "";
    // An old compaction encoded a document holding pending structs.
    const broken = new Y.Doc();
    Y.applyUpdate(broken, Y.encodeStateAsUpdate(base));
    // All but the issue-8 update (with it, encoding would throw).
    for (const r of (await env.store.history(CLAUSE)).slice(2)) Y.applyUpdate(broken, r.update);
    expect(broken.store.pendingStructs).not.toBeNull();
    await env.store.saveSnapshot(CLAUSE, Y.encodeStateAsUpdate(broken), head);

    const host = await env.registry.acquire(docName(CLAUSE));
    expect(env.skipped[0]?.id).toBe("snapshot");
    expect(readClausePlainText(host.doc)).toBe(honest);
    expect(host.doc.store.pendingStructs).toBeNull();
  });
});
