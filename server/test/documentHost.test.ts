import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  type Actor,
  type ClauseEntry,
  type DocName,
  NO_FIGURES,
  type ParagraphRuns,
  parseDocName,
  type Role,
  readClausePlainText,
  writeClauseText,
  writeSectionIndex,
} from "@gavel/model";
import type { Notice } from "@gavel/protocol";
import Database from "better-sqlite3";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import * as Y from "yjs";
import { tempDir } from "../../test/support/tmp.ts";
import type { DocSubscriber, DocumentHost, WriteOutcome } from "../src/core/DocumentHost.ts";
import { DocumentRegistry, type RegistryOptions } from "../src/core/DocumentRegistry.ts";
import { GroupCommit } from "../src/core/GroupCommit.ts";
import { type AwarenessEntry, decodeAwareness, encodeAwareness } from "../src/core/presence.ts";
import type { SharedFrames } from "../src/core/SharedFrames.ts";
import type { UpdateAuthor } from "../src/store/Store.ts";
import { openSqliteStore, type SqliteStore } from "../src/store/sqliteStore.ts";
import { itemUpdate } from "./support/handmadeUpdates.ts";
import { type Rng, seededRng } from "./support/prng.ts";

const SERVER: UpdateAuthor = { sub: "server", name: "Gavel", role: "server", delegation: null };
const CLAUSE = "s1/main/c1";
const INDEX = "s1/main";
/** Origin of updates a simulated client receives from the host: never sent back. */
const REMOTE = "remote";

function actor(role: Role, sub = `u-${role}`, delegation: string | null = role === "delegate" ? "fr" : null): Actor {
  return { sub, name: `Name of ${sub}`, role, delegation, session: "s1" };
}

function docName(name: string): DocName {
  const parsed = parseDocName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

/** A connection as the core sees it: records everything it is sent. */
class FakeSubscriber implements DocSubscriber {
  readonly updates: Uint8Array[] = [];
  readonly presence: Uint8Array[] = [];
  readonly presenceFrames: SharedFrames[] = [];
  readonly lost: string[] = [];
  readonly notices: Notice[] = [];
  onUpdate: ((update: Uint8Array) => void) | null = null;

  constructor(readonly actor: Actor) {}

  sendUpdate(update: Uint8Array): void {
    this.updates.push(update);
    this.onUpdate?.(update);
  }

  sendAwareness(update: Uint8Array, frames: SharedFrames): void {
    this.presence.push(update);
    this.presenceFrames.push(frames);
  }

  documentLost(reason: string): void {
    this.lost.push(reason);
  }

  notify(notice: Notice): void {
    this.notices.push(notice);
  }

  /** Client ids present (with a state) in the awareness updates received so far. */
  presentClientIds(): number[] {
    return this.presence.flatMap((u) => decodeAwareness(u).flatMap((e) => (e.state ? [e.clientId] : [])));
  }
}

interface Env {
  readonly file: string;
  readonly store: SqliteStore;
  readonly commit: GroupCommit;
  readonly registry: DocumentRegistry;
  readonly errors: string[];
}

function setup(options: Partial<RegistryOptions> = {}): Env {
  const dir = tempDir("gavel-host");
  const file = join(dir, "gavel.db");
  const store = openSqliteStore({ file });
  const commit = new GroupCommit(store);
  const errors: string[] = [];
  const registry = new DocumentRegistry(
    store,
    commit,
    { unloadAfterMs: 60_000, compactEvery: 10_000, ...options },
    { onOutcome: () => {}, onError: (message) => errors.push(message) },
  );
  onTestFinished(async () => {
    await registry.closeAll();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, store, commit, registry, errors };
}

/** Seeds a clause in the store directly, from a document with a fixed client id (replayable). */
/**
 * Seeds a clause in the store directly, from a document with a fixed client id (replayable),
 * and lists it in its section index: the registry loads only clauses an index lists.
 */
async function seedClause(env: Env, name: string, paragraphs: readonly ParagraphRuns[]): Promise<void> {
  const doc = new Y.Doc();
  doc.clientID = 1;
  writeClauseText(doc, paragraphs);
  const parsed = docName(name);
  const index = new Y.Doc();
  if (parsed.kind === "clause") {
    index.getMap<ClauseEntry>("clauses").set(parsed.clause, { ...ENTRY, id: parsed.clause });
    index.getArray<string>("order").push([parsed.clause]);
  }
  await env.store.append([
    { doc: name, update: Y.encodeStateAsUpdate(doc), author: SERVER, at: 1 },
    { doc: `${parsed.session}/${parsed.section}`, update: Y.encodeStateAsUpdate(index), author: SERVER, at: 1 },
  ]);
  doc.destroy();
  index.destroy();
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

async function seedIndex(env: Env): Promise<void> {
  const doc = new Y.Doc();
  doc.clientID = 2;
  writeSectionIndex(doc, { session: "s1", section: "main", title: "Main" }, [ENTRY]);
  await env.store.append([{ doc: INDEX, update: Y.encodeStateAsUpdate(doc), author: SERVER, at: 1 }]);
  doc.destroy();
}

/** A client's copy of the host's document. */
function clientOf(host: DocumentHost, clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(host.doc), REMOTE);
  return doc;
}

function firstText(doc: Y.Doc): Y.XmlText {
  const paragraph = doc.getXmlFragment("default").get(0);
  if (!(paragraph instanceof Y.XmlElement)) throw new Error("no first paragraph");
  const text = paragraph.get(0);
  if (!(text instanceof Y.XmlText)) throw new Error("no text in the first paragraph");
  return text;
}

/** The update a change to `doc` produces. */
function edit(doc: Y.Doc, change: () => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  change();
  return Y.encodeStateAsUpdate(doc, before);
}

function presenceUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  return encodeAwareness(entries);
}

const bytes = (u: Uint8Array): number[] => Array.from(u);

async function clauseHost(env: Env, text = "Base text."): Promise<DocumentHost> {
  await seedClause(env, CLAUSE, [[{ text }]]);
  return env.registry.acquire(docName(CLAUSE));
}

describe("DocumentHost writes", () => {
  it("refuses an observer's update with READ_ONLY: nothing stored, applied or broadcast", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const observer = new FakeSubscriber(actor("observer"));
    const other = new FakeSubscriber(actor("delegate"));
    host.subscribe(observer);
    host.subscribe(other);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Observers cannot write. "));
    const before = (await env.store.history(CLAUSE)).length;

    const outcome = await host.receiveUpdate(observer, change, false);

    expect(outcome).toMatchObject({ type: "refused", code: "READ_ONLY" });
    expect((await env.store.history(CLAUSE)).length).toBe(before);
    expect(other.updates).toEqual([]);
    expect(observer.updates).toEqual([]);
    expect(readClausePlainText(host.doc)).toBe("Base text.");
    await env.commit.drained();
    expect((await env.store.history(CLAUSE)).length).toBe(before);
  });

  it("answers unchanged, even for an observer, when the update is already in the document", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const observer = new FakeSubscriber(actor("observer"));
    const delegate = new FakeSubscriber(actor("delegate"));
    host.subscribe(observer);
    host.subscribe(delegate);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Agreed: "));
    expect(await host.receiveUpdate(delegate, change, false)).toEqual({ type: "applied" });
    const before = (await env.store.history(CLAUSE)).length;

    expect(await host.receiveUpdate(observer, Y.encodeStateAsUpdate(host.doc), true)).toEqual({ type: "unchanged" });
    expect(await host.receiveUpdate(observer, change, false)).toEqual({ type: "unchanged" });
    expect((await env.store.history(CLAUSE)).length).toBe(before);
    expect(delegate.updates).toEqual([]);
  });

  it("answers unchanged to a delegate's sync step 2 that the document already contains, storing nothing", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const delegate = new FakeSubscriber(actor("delegate"));
    const other = new FakeSubscriber(actor("chair"));
    host.subscribe(delegate);
    host.subscribe(other);
    const before = (await env.store.history(CLAUSE)).length;
    expect(await host.receiveUpdate(delegate, Y.encodeStateAsUpdate(host.doc), true)).toEqual({ type: "unchanged" });
    expect((await env.store.history(CLAUSE)).length).toBe(before);
    expect(other.updates).toEqual([]);
  });

  it.each(["chair", "secretariat", "delegate", "observer"] as const)(
    "refuses a %s's write to a section index with INDEX_READ_ONLY",
    async (role) => {
      const env = setup();
      await seedIndex(env);
      const host = await env.registry.acquire(docName(INDEX));
      const writer = new FakeSubscriber(actor(role));
      const other = new FakeSubscriber(actor("chair", "u-other"));
      host.subscribe(writer);
      host.subscribe(other);
      const client = clientOf(host, 100);
      const change = edit(client, () => client.getArray<string>("order").push(["c2"]));

      const outcome = await host.receiveUpdate(writer, change, false);

      expect(outcome).toMatchObject({ type: "refused", code: "INDEX_READ_ONLY" });
      expect((await env.store.history(INDEX)).length).toBe(1);
      expect(host.doc.getArray<string>("order").toArray()).toEqual(["c1"]);
      expect(other.updates).toEqual([]);
    },
  );

  it.each(["delegate", "observer"] as const)("answers invalid to garbage bytes from a %s", async (role) => {
    const env = setup();
    const host = await clauseHost(env);
    const sender = new FakeSubscriber(actor(role));
    const other = new FakeSubscriber(actor("chair"));
    host.subscribe(sender);
    host.subscribe(other);
    for (const garbage of [Uint8Array.of(255, 255, 255, 255), Uint8Array.of(1, 2, 3, 4, 5, 6, 7), new Uint8Array(0)]) {
      expect((await host.receiveUpdate(sender, garbage, false)).type).toBe("invalid");
    }
    expect((await env.store.history(CLAUSE)).length).toBe(1);
    expect(other.updates).toEqual([]);
  });

  it("stores a delegate's update with its author before any other subscriber receives it", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const reader = new Database(env.file, { readonly: true, fileMustExist: true });
    onTestFinished(() => {
      reader.close();
    });
    const countRows = reader.prepare<[string], { n: number }>("SELECT count(*) AS n FROM updates WHERE doc = ?");
    const lastRow = reader.prepare<[string], { update: Buffer }>(
      'SELECT "update" FROM updates WHERE doc = ? ORDER BY seq DESC LIMIT 1',
    );
    const delegate = new FakeSubscriber(actor("delegate", "u-ana", "fr"));
    const observer = new FakeSubscriber(actor("observer"));
    const chair = new FakeSubscriber(actor("chair"));
    const seen: { subscriber: string; rows: number; lastStored: number[] }[] = [];
    for (const s of [observer, chair]) {
      s.onUpdate = () =>
        seen.push({
          subscriber: s.actor.sub,
          rows: countRows.get(CLAUSE)?.n ?? -1,
          lastStored: bytes(lastRow.get(CLAUSE)?.update ?? new Uint8Array(0)),
        });
    }
    for (const s of [delegate, observer, chair]) host.subscribe(s);
    const rowsBefore = countRows.get(CLAUSE)?.n;
    expect(rowsBefore).toBe(1);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(10, " Amended."));

    expect(await host.receiveUpdate(delegate, change, false)).toEqual({ type: "applied" });

    expect(seen).toEqual([
      { subscriber: "u-observer", rows: 2, lastStored: bytes(change) },
      { subscriber: "u-chair", rows: 2, lastStored: bytes(change) },
    ]);
    expect(observer.updates.map(bytes)).toEqual([bytes(change)]);
    expect(chair.updates.map(bytes)).toEqual([bytes(change)]);
    expect(delegate.updates).toEqual([]);
    const history = await env.store.history(CLAUSE);
    expect(history).toHaveLength(2);
    expect(history[1]?.author).toEqual({ sub: "u-ana", name: "Name of u-ana", role: "delegate", delegation: "fr" });
    expect(bytes(history[1]?.update ?? new Uint8Array(0))).toEqual(bytes(change));
    expect(host.head).toBe(history[1]?.id);
    expect(readClausePlainText(host.doc)).toBe("Base text. Amended.");
  });

  it("refuses as invalid, before storing it, an update that decodes but that Yjs cannot integrate", async () => {
    // Found by test/fuzz.test.ts: a damaged update whose structure decodes, but whose
    // integration throws inside Yjs (Item.getMissing). Stored, it would poison the document.
    const poison = Buffer.from(
      "AQXS9LChBgAHAQdkZWZhdWx0AwlwYXJhZ3JhcGgHANL0sKEGYQYGANL0sKEGAQRib2xkAnt9hNL0sKEGAgZhYmMxMjCG0vSwoQYIBGJvbGQEbnVsbAA=",
      "base64",
    );
    expect(() => Y.decodeUpdate(poison)).not.toThrow();
    expect(() => Y.applyUpdate(new Y.Doc(), poison)).toThrow();
    const env = setup();
    const host = await clauseHost(env);
    const delegate = new FakeSubscriber(actor("delegate"));
    const other = new FakeSubscriber(actor("chair"));
    host.subscribe(delegate);
    host.subscribe(other);
    const before = (await env.store.history(CLAUSE)).length;

    expect((await host.receiveUpdate(delegate, new Uint8Array(poison), false)).type).toBe("invalid");
    expect(await env.store.history(CLAUSE)).toHaveLength(before);
    expect(other.updates).toEqual([]);
    expect(delegate.lost).toEqual([]);

    // The document keeps working: the next honest edit is stored, applied and broadcast.
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Still "));
    expect((await host.receiveUpdate(delegate, change, false)).type).toBe("applied");
    expect(readClausePlainText(host.doc)).toBe("Still Base text.");
    expect(other.updates).toHaveLength(1);
  });

  it("refuses an item whose origins are out of order (the same character, crossed, two paragraphs) before applying it; one whose origin comes with it, once applied, dropping the copy", async () => {
    const env = setup();
    await seedClause(env, CLAUSE, [[{ text: "Base text." }], [{ text: "Second." }]]);
    const host = await env.registry.acquire(docName(CLAUSE));
    const delegate = new FakeSubscriber(actor("delegate"));
    const other = new FakeSubscriber(actor("chair"));
    host.subscribe(delegate);
    host.subscribe(other);
    const before = (await env.store.history(CLAUSE)).length;
    // The seeded characters: "Base text." from `base`, "Second." from `second`.
    const base = (firstText(host.doc)._start as Y.Item).id;
    const paragraph = host.doc.getXmlFragment("default").get(1) as Y.XmlElement;
    const second = ((paragraph.get(0) as Y.XmlText)._start as Y.Item).id;
    const at = (id: Y.ID, offset: number) => Y.createID(id.client, id.clock + offset);

    const crossed = [
      itemUpdate(200, 0, [{ origin: at(base, 4), right: at(base, 4), text: "x" }]),
      itemUpdate(201, 0, [{ origin: at(base, 6), right: at(base, 2), text: "x" }]),
      itemUpdate(202, 0, [{ origin: at(base, 3), right: at(second, 1), text: "x" }]),
    ];
    for (const update of crossed) {
      const outcome = await host.receiveUpdate(delegate, update, false);
      expect(outcome).toMatchObject({ type: "invalid", reason: expect.stringMatching(/origin/) });
    }
    expect(readClausePlainText(host.doc)).toBe("Base text.\nSecond.");
    expect(await env.store.history(CLAUSE)).toHaveLength(before);
    expect(other.updates).toEqual([]);
    expect(other.lost).toEqual([]);

    // In order, the same shape is an honest keystroke: "Base" + "x" + " text.".
    const honest = itemUpdate(203, 0, [{ origin: at(base, 3), right: at(base, 4), text: "x" }]);
    expect((await host.receiveUpdate(delegate, honest, false)).type).toBe("applied");
    expect(readClausePlainText(host.doc)).toBe("Basex text.\nSecond.");
    expect(other.updates).toHaveLength(1);

    // The second item's origin is the first, which the copy holds only once the update is
    // applied: found then, the copy is dropped and nothing is stored or sent.
    const late = itemUpdate(204, 0, [
      { origin: at(base, 0), right: at(base, 1), text: "y" },
      { origin: Y.createID(204, 0), right: at(base, 0), text: "z" },
    ]);
    expect(await host.receiveUpdate(delegate, late, false)).toMatchObject({ type: "invalid" });
    expect(await env.store.history(CLAUSE)).toHaveLength(before + 1);
    expect(other.updates).toHaveLength(1);
    expect(other.lost).toHaveLength(1);
    const reloaded = await env.registry.acquire(docName(CLAUSE));
    expect(readClausePlainText(reloaded.doc)).toBe("Basex text.\nSecond.");
  });

  it("refuses an item whose origins are in order but were never neighbours for its writer: characters it had stand between them", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const delegate = new FakeSubscriber(actor("delegate"));
    host.subscribe(delegate);
    const base = (firstText(host.doc)._start as Y.Item).id;
    const at = (offset: number) => Y.createID(base.client, base.clock + offset);
    const send = (update: Uint8Array) => host.receiveUpdate(delegate, update, false);

    // Two writers type between "B" and "a" at once: honest, whatever order they arrive in.
    expect((await send(itemUpdate(300, 0, [{ origin: at(0), right: at(1), text: "x" }]))).type).toBe("applied");
    expect((await send(itemUpdate(301, 0, [{ origin: at(0), right: at(1), text: "y" }]))).type).toBe("applied");
    // Between "B" and x: it names x, so it had x's neighbours, "B" and "a"; nothing it had stands
    // between "B" and x, so it is honest too.
    expect((await send(itemUpdate(302, 0, [{ origin: at(0), right: Y.createID(300, 0), text: "z" }]))).type).toBe(
      "applied",
    );
    // Between "B" and "s": "a" stands between, and it had "a" (it came before "s" in one run).
    const skipping = await send(itemUpdate(303, 0, [{ origin: at(0), right: at(2), text: "w" }]));
    expect(skipping).toMatchObject({
      type: "invalid",
      reason: expect.stringMatching(/skips characters its writer had/),
    });

    // Only an origin: after "e", at the end of what its writer had ("Base"): honest.
    expect((await send(itemUpdate(304, 0, [{ origin: at(3), right: null, text: "!" }]))).type).toBe("applied");
    // Only a right origin: first before ".", yet it names ".", so it had all that stands before it.
    const first = await send(itemUpdate(305, 0, [{ origin: null, right: at(9), text: "?" }]));
    expect(first).toMatchObject({ type: "invalid", reason: expect.stringMatching(/skips characters its writer had/) });

    // What the live clause reads, a fresh reader of its encoding reads too.
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(host.doc));
    expect(readClausePlainText(fresh)).toBe(readClausePlainText(host.doc));
    expect(delegate.lost).toEqual([]);
  });

  it("acknowledges an update it already holds only once that update is durable (the same edit sent again on another socket)", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const first = new FakeSubscriber(actor("delegate"));
    const again = new FakeSubscriber(actor("delegate"));
    host.subscribe(first);
    host.subscribe(again);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Twice "));
    const append = env.store.append.bind(env.store);
    let release: (() => void) | null = null;
    env.store.append = async (records) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return append(records);
    };
    const stored = host.receiveUpdate(first, change, false);
    for (let i = 0; i < 100 && release === null; i += 1) await new Promise((resolve) => setImmediate(resolve));
    let answered = false;
    const resent = host.receiveUpdate(again, change, true).then((outcome) => {
      answered = true;
      return outcome;
    });
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    (release as (() => void) | null)?.();
    expect((await stored).type).toBe("applied");
    expect((await resent).type).toBe("unchanged");
  });

  it("never broadcasts an update the store failed to append, and drops the copy that held it", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const delegate = new FakeSubscriber(actor("delegate"));
    const other = new FakeSubscriber(actor("chair"));
    host.subscribe(delegate);
    host.subscribe(other);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Lost "));
    const failing = env.store.append;
    env.store.append = async () => {
      throw new Error("disk on fire");
    };

    expect((await host.receiveUpdate(delegate, change, false)).type).toBe("failed");
    expect(other.updates).toEqual([]);
    // It was integrated while on its way: that copy is dropped, everyone resynchronises.
    expect(env.registry.isLoaded(CLAUSE)).toBe(false);
    expect(other.lost).toHaveLength(1);
    expect(delegate.lost).toHaveLength(1);
    env.store.append = failing;
    const reloaded = await env.registry.acquire(docName(CLAUSE));
    expect(readClausePlainText(reloaded.doc)).toBe("Base text.");
  });

  it("applies concurrent updates from several writers in store order", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const a = new FakeSubscriber(actor("delegate", "u-a"));
    const b = new FakeSubscriber(actor("secretariat", "u-b"));
    const watcher = new FakeSubscriber(actor("observer"));
    for (const s of [a, b, watcher]) host.subscribe(s);
    const docA = clientOf(host, 100);
    const docB = clientOf(host, 200);
    const changes = [
      edit(docA, () => firstText(docA).insert(0, "A1 ")),
      edit(docB, () => firstText(docB).insert(10, " B1")),
      edit(docA, () => firstText(docA).insert(3, "A2 ")),
    ];
    const outcomes = await Promise.all([
      host.receiveUpdate(a, changes[0] ?? new Uint8Array(0), false),
      host.receiveUpdate(b, changes[1] ?? new Uint8Array(0), false),
      host.receiveUpdate(a, changes[2] ?? new Uint8Array(0), false),
    ]);
    expect(outcomes.map((o) => o.type)).toEqual(["applied", "applied", "applied"]);
    // Stored in one batch, they go out as one merged update per subscriber; a writer gets only
    // the others' updates, never its own.
    expect(watcher.updates.map(bytes)).toEqual([bytes(Y.mergeUpdates(changes))]);
    expect(a.updates.map(bytes)).toEqual([bytes(changes[1] ?? new Uint8Array(0))]);
    expect(b.updates.map(bytes)).toEqual([
      bytes(Y.mergeUpdates([changes[0], changes[2]].filter((c) => c !== undefined))),
    ]);
    const history = await env.store.history(CLAUSE);
    expect(history.slice(1).map((h) => bytes(h.update))).toEqual(changes.map(bytes));
    expect(history.slice(1).map((h) => h.author.sub)).toEqual(["u-a", "u-b", "u-a"]);
    expect(readClausePlainText(host.doc)).toBe("A1 A2 Base text. B1");
  });
});

describe("DocumentHost presence", () => {
  const state = (name: string, color: string) => ({ user: { name, color } });

  it("does not let a subscriber claim another subscriber's client id", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const ana = new FakeSubscriber(actor("delegate", "u-ana"));
    const bob = new FakeSubscriber(actor("delegate", "u-bob", "de"));
    host.subscribe(ana);
    host.subscribe(bob);
    host.presence.receive(ana, presenceUpdate([{ clientId: 7, clock: 1, state: state("Ana", "#a00") }]));
    const anaMessages = ana.presence.length;
    const bobMessages = bob.presence.length;
    expect(bob.presentClientIds()).toEqual([7]);

    host.presence.receive(bob, presenceUpdate([{ clientId: 7, clock: 5, state: state("Ana (really)", "#000") }]));
    host.presence.receive(bob, presenceUpdate([{ clientId: 7, clock: 6, state: null }]));

    expect(host.presence.states().get(7)).toEqual({
      user: { name: "Name of u-ana", color: "#a00", id: "u-ana", role: "delegate", delegation: "fr" },
    });
    expect(ana.presence.length).toBe(anaMessages);
    expect(bob.presence.length).toBe(bobMessages);

    host.unsubscribe(bob);
    expect(host.presence.states().has(7)).toBe(true);
    host.unsubscribe(ana);
    expect(host.presence.states().has(7)).toBe(false);
  });

  it("stamps a subscriber's presence with its token identity", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const ana = new FakeSubscriber(actor("delegate", "u-ana"));
    const chair = new FakeSubscriber(actor("chair"));
    host.subscribe(ana);
    host.subscribe(chair);
    const claim = { user: { name: "The Chair", role: "chair", id: "u-chair", color: "#0f0" } };
    host.presence.receive(ana, presenceUpdate([{ clientId: 21, clock: 1, state: claim }]));
    const received = chair.presence.flatMap((u) => decodeAwareness(u));
    expect(received.map((e) => e.state)).toEqual([
      { user: { name: "Name of u-ana", role: "delegate", id: "u-ana", color: "#0f0", delegation: "fr" } },
    ]);
  });

  it("keeps at most 8 client ids per subscriber", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const ana = new FakeSubscriber(actor("delegate", "u-ana"));
    host.subscribe(ana);
    const entries = Array.from({ length: 12 }, (_, i) => ({ clientId: 100 + i, clock: 1, state: { i } }));
    host.presence.receive(ana, presenceUpdate(entries));
    expect([...host.presence.states().keys()].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 8 }, (_, i) => 100 + i),
    );
  });

  it("sends an observer's presence to other observers but not to a delegate", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const watcher = new FakeSubscriber(actor("observer", "u-obs1"));
    const delegate = new FakeSubscriber(actor("delegate"));
    const other = new FakeSubscriber(actor("observer", "u-obs2"));
    for (const s of [watcher, delegate, other]) host.subscribe(s);

    host.presence.receive(watcher, presenceUpdate([{ clientId: 11, clock: 1, state: state("W", "#111") }]));

    expect(delegate.presence).toEqual([]);
    expect(other.presentClientIds()).toEqual([11]);
    expect(host.presence.visibleTo(delegate)).toBeNull();
    const forOther = host.presence.visibleTo(other);
    expect(forOther && decodeAwareness(forOther).map((e) => e.clientId)).toEqual([11]);

    host.presence.receive(delegate, presenceUpdate([{ clientId: 12, clock: 1, state: state("D", "#222") }]));
    expect(watcher.presentClientIds()).toContain(12);
    expect(other.presentClientIds()).toContain(12);
    expect(delegate.presentClientIds()).toEqual([12]);

    host.unsubscribe(watcher);
    expect(delegate.presence.flatMap((u) => decodeAwareness(u)).some((e) => e.clientId === 11)).toBe(false);
    expect(host.presence.states().has(11)).toBe(false);
  });

  it("encodes a presence change once per audience: every delegate gets the same frames, every observer the same", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const [d1, o1, d2, o2] = [
      new FakeSubscriber(actor("delegate", "u-d1")),
      new FakeSubscriber(actor("observer", "u-o1")),
      new FakeSubscriber(actor("delegate", "u-d2")),
      new FakeSubscriber(actor("observer", "u-o2")),
    ] as const;
    for (const s of [d1, o1, d2, o2]) host.subscribe(s);

    host.presence.receive(d1, presenceUpdate([{ clientId: 21, clock: 1, state: state("D1", "#111") }]));
    for (const s of [d1, o1, d2, o2]) expect(s.presentClientIds()).toEqual([21]);
    expect(d2.presenceFrames[0]).toBe(d1.presenceFrames[0]);
    expect(o2.presenceFrames[0]).toBe(o1.presenceFrames[0]);
    expect(o1.presenceFrames[0]).not.toBe(d1.presenceFrames[0]);

    host.presence.receive(o1, presenceUpdate([{ clientId: 22, clock: 1, state: state("O1", "#222") }]));
    expect(d1.presence).toHaveLength(1);
    expect(d2.presence).toHaveLength(1);
    expect(o1.presentClientIds()).toEqual([21, 22]);
    expect(o2.presenceFrames[1]).toBe(o1.presenceFrames[1]);
  });

  it("throws on a malformed awareness update and changes nothing", async () => {
    const env = setup();
    const host = await clauseHost(env);
    const ana = new FakeSubscriber(actor("delegate"));
    host.subscribe(ana);
    expect(() => host.presence.receive(ana, Uint8Array.of(1, 5, 1))).toThrow();
    expect(host.presence.states().size).toBe(0);
  });
});

interface SimClient {
  readonly doc: Y.Doc;
  readonly subscriber: FakeSubscriber;
  /** Updates the client made, not yet delivered to the host (FIFO, like a socket). */
  readonly outbox: Uint8Array[];
  /** Updates the host sent, not yet applied by the client (FIFO). */
  readonly inbox: Uint8Array[];
}

const ALPHABET = "abcdefghij XYZ.,";
const WRITERS: Role[] = ["delegate", "chair", "secretariat"];

function randomEdit(rng: Rng, client: SimClient): void {
  const text = firstText(client.doc);
  const length = text.length;
  if (length === 0 || rng.next() < 0.6) {
    const insert = Array.from({ length: rng.int(1, 4) }, () => rng.pick([...ALPHABET])).join("");
    text.insert(rng.int(0, length), insert);
  } else {
    const at = rng.int(0, length - 1);
    text.delete(at, rng.int(1, Math.min(4, length - at)));
  }
}

describe("DocumentHost convergence under random concurrent edits", () => {
  const SEEDS = [1, 42, 2024, 31_337, 987_654_321];
  const EDITS = 200;

  it.each(SEEDS)(`%i: 3-5 clients, ${EDITS} edits, random delivery orders all converge`, async (seed) => {
    console.log(`[documentHost convergence] seed=${seed}`);
    const rng = seededRng(seed);
    const env = setup();
    const host = await clauseHost(env, "The Conference resolves.");
    const clients: SimClient[] = Array.from({ length: rng.int(3, 5) }, (_, i) => {
      const client: SimClient = {
        doc: clientOf(host, 1000 + i),
        subscriber: new FakeSubscriber(actor(rng.pick(WRITERS), `u-${i}`)),
        outbox: [],
        inbox: [],
      };
      client.doc.on("update", (update: Uint8Array, origin: unknown) => {
        if (origin !== REMOTE) client.outbox.push(update);
      });
      client.subscriber.onUpdate = (update) => client.inbox.push(update);
      host.subscribe(client.subscriber);
      return client;
    });
    const pending: Promise<WriteOutcome>[] = [];
    const outcomes: WriteOutcome["type"][] = [];

    const sendOne = (): void => {
      const ready = clients.filter((c) => c.outbox.length > 0);
      if (ready.length === 0) return;
      const client = rng.pick(ready);
      const update = client.outbox.shift();
      if (update) pending.push(host.receiveUpdate(client.subscriber, update, false));
    };
    const deliverOne = (): void => {
      const ready = clients.filter((c) => c.inbox.length > 0);
      if (ready.length === 0) return;
      const client = rng.pick(ready);
      const update = client.inbox.shift();
      if (update) Y.applyUpdate(client.doc, update, REMOTE);
    };
    const settle = async (): Promise<void> => {
      for (const outcome of await Promise.all(pending.splice(0))) outcomes.push(outcome.type);
    };

    let edits = 0;
    while (edits < EDITS) {
      const roll = rng.next();
      if (roll < 0.4) {
        randomEdit(rng, rng.pick(clients));
        edits++;
      } else if (roll < 0.65) sendOne();
      else if (roll < 0.92) deliverOne();
      else await settle();
    }
    // Drain every queue, still in random interleavings.
    while (pending.length > 0 || clients.some((c) => c.outbox.length > 0 || c.inbox.length > 0)) {
      while (clients.some((c) => c.outbox.length > 0)) sendOne();
      await settle();
      while (clients.some((c) => c.inbox.length > 0)) deliverOne();
    }

    expect(outcomes).toHaveLength(EDITS);
    expect(new Set(outcomes)).toEqual(new Set(["applied"]));
    const hostText = readClausePlainText(host.doc);
    const hostVector = bytes(Y.encodeStateVector(host.doc));
    for (const client of clients) {
      expect(readClausePlainText(client.doc), `client ${client.doc.clientID} (seed ${seed})`).toBe(hostText);
      expect(bytes(Y.encodeStateVector(client.doc)), `client ${client.doc.clientID} (seed ${seed})`).toEqual(
        hostVector,
      );
    }
    // What the store holds rebuilds the same document.
    expect(await env.store.history(CLAUSE)).toHaveLength(1 + EDITS);
    const log = await env.store.load(CLAUSE);
    const rebuilt = new Y.Doc();
    for (const update of log.snapshot ? [log.snapshot, ...log.updates] : log.updates) Y.applyUpdate(rebuilt, update);
    expect(readClausePlainText(rebuilt)).toBe(hostText);
    expect(bytes(Y.encodeStateVector(rebuilt))).toEqual(hostVector);
    expect(env.errors).toEqual([]);
  });
});

/** Yields to the event loop (setImmediate, no sleeping) until `condition` holds or 5 s have passed. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise<void>((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe("DocumentRegistry", () => {
  it("loads a document once for concurrent acquires", async () => {
    const env = setup();
    await seedClause(env, CLAUSE, [[{ text: "x" }]]);
    const [a, b] = await Promise.all([env.registry.acquire(docName(CLAUSE)), env.registry.acquire(docName(CLAUSE))]);
    expect(a).toBe(b);
    // The clause and its section index (a loaded clause holds its index: locks and figures).
    expect(env.registry.loadedCount).toBe(2);
  });

  it("unloads a released document after unloadAfterMs and reloads it intact", async () => {
    const env = setup({ unloadAfterMs: 0 });
    const host = await clauseHost(env);
    const delegate = new FakeSubscriber(actor("delegate"));
    host.subscribe(delegate);
    const client = clientOf(host, 100);
    const change = edit(client, () => firstText(client).insert(0, "Kept: "));
    expect((await host.receiveUpdate(delegate, change, false)).type).toBe("applied");
    host.unsubscribe(delegate);
    const vector = bytes(Y.encodeStateVector(host.doc));
    expect(env.registry.isLoaded(CLAUSE)).toBe(true);

    env.registry.release(host);
    await until(() => !env.registry.isLoaded(CLAUSE));

    expect((await env.store.load(CLAUSE)).snapshot).not.toBeNull();
    const again = await env.registry.acquire(docName(CLAUSE));
    expect(again).not.toBe(host);
    expect(readClausePlainText(again.doc)).toBe("Kept: Base text.");
    expect(bytes(Y.encodeStateVector(again.doc))).toEqual(vector);
  });

  it("keeps a document loaded while it is still held, and unloads it after the last release", async () => {
    const env = setup({ unloadAfterMs: 1_000 });
    await seedClause(env, CLAUSE, [[{ text: "x" }]]);
    const first = await env.registry.acquire(docName(CLAUSE));
    const second = await env.registry.acquire(docName(CLAUSE));
    // Only the unload timers are faked (GroupCommit's setImmediate stays real).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    env.registry.release(first);
    vi.runAllTimers();
    expect(env.registry.isLoaded(CLAUSE)).toBe(true);
    env.registry.release(second);
    vi.advanceTimersByTime(999);
    expect(env.registry.isLoaded(CLAUSE)).toBe(true);
    vi.advanceTimersByTime(1);
    // The unload snapshots first (on the store's writer thread), then frees the copy.
    await until(() => !env.registry.isLoaded(CLAUSE));
  });

  it("keeps a document that is acquired again before its unload timer fires", async () => {
    const env = setup({ unloadAfterMs: 1_000 });
    await seedClause(env, CLAUSE, [[{ text: "x" }]]);
    const host = await env.registry.acquire(docName(CLAUSE));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    env.registry.release(host);
    const again = await env.registry.acquire(docName(CLAUSE));
    vi.runAllTimers();
    expect(again).toBe(host);
    expect(env.registry.isLoaded(CLAUSE)).toBe(true);
  });

  it("snapshots every compactEvery updates and reloads the same text", async () => {
    const env = setup({ compactEvery: 10 });
    const host = await clauseHost(env, "");
    const delegate = new FakeSubscriber(actor("delegate"));
    host.subscribe(delegate);
    const client = clientOf(host, 100);
    for (let i = 0; i < 25; i++) {
      const change = edit(client, () => firstText(client).insert(firstText(client).length, `${i % 10}`));
      expect((await host.receiveUpdate(delegate, change, false)).type).toBe("applied");
    }
    const text = readClausePlainText(host.doc);
    expect(text).toBe("0123456789012345678901234");

    const log = await env.store.load(CLAUSE);
    expect(log.snapshot).not.toBeNull();
    // 26 updates (seed + 25): snapshots after the 10th and the 20th, 6 left after the last one.
    expect(log.updates).toHaveLength(6);
    expect(await env.store.history(CLAUSE)).toHaveLength(26);
    expect(log.head).toBe(host.head);

    const fresh = new DocumentRegistry(
      env.store,
      new GroupCommit(env.store),
      { unloadAfterMs: 60_000, compactEvery: 10 },
      { onOutcome: () => {}, onError: () => {} },
    );
    const reloaded = await fresh.acquire(docName(CLAUSE));
    expect(reloaded.updatesSinceSnapshot).toBe(6);
    expect(readClausePlainText(reloaded.doc)).toBe(text);
    expect(bytes(Y.encodeStateVector(reloaded.doc))).toEqual(bytes(Y.encodeStateVector(host.doc)));
    await fresh.closeAll();
  });
});
