import { type ClauseEntry, type DocName, INDEX_CLAUSES } from "@gavel/model";
import type { Notice } from "@gavel/protocol";
import { SocketClosedUnexpectedlyError } from "redis";
import { describe, expect, it, onTestFinished } from "vitest";
import * as Y from "yjs";
import type { DocSubscriber } from "../server/src/core/DocumentHost.ts";
import { buildServer, loadConfig, secretKey } from "../server/src/index.ts";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import type { Store, UpdateRecord } from "../server/src/store/Store.ts";
import { typeInto } from "./support/clients.ts";
import { deleteKeys, redisUrlForTests, testPrefix } from "./support/redis.ts";
import { TEST_SECRET, waitUntil, waitUntilAsync } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const INDEX: DocName = { kind: "index", name: "demo/implementation", session: "demo", section: "implementation" };
const SERVER = { sub: "server", name: "server", role: "server" as const, delegation: null };

/**
 * A Redis store whose next append loses its reply: `stored` appends and then throws as a socket
 * closed mid-reply does; `unstored` throws without appending.
 */
async function lossyNode(prefix: string) {
  const inner = await openRedisStore({ url: await redisUrlForTests(), prefix });
  let next: "stored" | "unstored" | null = null;
  let loadFails = false;
  const store: Store = {
    ...inner,
    load: async (doc: string) => {
      if (loadFails) throw new SocketClosedUnexpectedlyError();
      return inner.load(doc);
    },
    append: async (records: readonly UpdateRecord[]) => {
      const loss = next;
      next = null;
      if (loss === "unstored") throw new SocketClosedUnexpectedlyError();
      const ids = await inner.append(records);
      if (loss === "stored") throw new SocketClosedUnexpectedlyError();
      return ids;
    },
  };
  const config = loadConfig({ DATA_DIR: tempDir("lost-reply-"), LOG_LEVEL: "fatal", PORT: "0" });
  const server = await buildServer(config, { store, secret: secretKey(TEST_SECRET) });
  onTestFinished(async () => {
    await server.close();
    await inner.close();
    await deleteKeys(await redisUrlForTests(), [prefix]);
  });
  await server.sessions.ensureSession("demo", "wtdc-action-plan");
  const updates: Uint8Array[] = [];
  const watcher: DocSubscriber = {
    actor: { sub: "obs", name: "Olga", role: "observer", delegation: null, session: "demo" },
    sendUpdate: (update) => updates.push(update),
    sendAwareness() {},
    notify() {},
    documentLost() {},
  };
  const host = await server.registry.acquire(INDEX);
  host.subscribe(watcher);
  /** What a fresh load of the index holds (snapshot and updates). */
  const loaded = async (): Promise<Y.Doc> => {
    const log = await inner.load(INDEX.name);
    const doc = new Y.Doc();
    for (const u of [log.snapshot, ...log.updates]) if (u) Y.applyUpdate(doc, u);
    return doc;
  };
  const set = (key: string, value: number) =>
    host.applyServerChange(SERVER, (doc) => doc.getMap("probe").set(key, value));
  return {
    server,
    host,
    updates,
    loaded,
    set,
    lose: (kind: "stored" | "unstored") => (next = kind),
    failLoads: (fails: boolean) => (loadFails = fails),
  };
}

/** The probe values a list of updates carries, applied to an empty document. */
function probeOf(updates: readonly Uint8Array[]): unknown {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, Y.mergeUpdates([u]));
  return doc.getMap("probe").toJSON();
}

describe("a server change whose append reply is lost (Redis outage)", () => {
  it("stored after all: the copy takes it in from the store and sends it to its subscribers, a snapshot keeps it, and the next command goes through at once", async () => {
    const node = await lossyNode(testPrefix("lost-stored"));
    node.lose("stored");
    const first = await node.set("a", 1);
    expect(first.outcome.type).toBe("failed");
    // The store holds it: so must the copy, once the follower has read it back.
    expect((await node.loaded()).getMap("probe").get("a")).toBe(1);
    await waitUntil(() => node.host.doc.getMap("probe").get("a") === 1, "the copy holds the stored change");
    await waitUntil(() => (probeOf(node.updates) as { a?: number }).a === 1, "the subscriber received it");

    const started = performance.now();
    const second = await node.set("b", 2);
    expect(second.outcome.type).toBe("applied");
    // A copy whose head had gone past the change without it decided on a stale head: the store
    // refused every conditional index write, each after a 5 s wait.
    expect(performance.now() - started).toBeLessThan(4_000);

    // A snapshot of the copy claims its head: the change must be in it.
    const snapshot = await node.host.durableSnapshot();
    if (!snapshot) throw new Error("no snapshot could be taken");
    expect(snapshot.head).toBe(node.host.head);
    const reloaded = await node.loaded();
    expect(reloaded.getMap("probe").toJSON()).toEqual({ a: 1, b: 2 });
    const fromSnapshot = new Y.Doc();
    Y.applyUpdate(fromSnapshot, snapshot.state);
    expect(fromSnapshot.getMap("probe").toJSON()).toEqual({ a: 1, b: 2 });
  });

  it("not stored: nothing of it appears, and the commands after it go through", async () => {
    const node = await lossyNode(testPrefix("lost-unstored"));
    node.lose("unstored");
    expect((await node.set("a", 1)).outcome.type).toBe("failed");
    expect((await node.set("b", 2)).outcome.type).toBe("applied");
    expect((await node.set("c", 3)).outcome.type).toBe("applied");
    await waitUntilAsync(
      async () => JSON.stringify((await node.loaded()).getMap("probe").toJSON()) === '{"b":2,"c":3}',
      "the store holds the two later changes",
    );
    expect(node.host.doc.getMap("probe").toJSON()).toEqual({ b: 2, c: 3 });
    expect(probeOf(node.updates)).toEqual({ b: 2, c: 3 });
  });

  it("a lock or an unlock stored all the same holds: the command answers with it and the clause is locked, then writable, for its subscribers", async () => {
    const { node, clause, notices } = await clauseOfLossyNode("lost-lock");

    node.lose("stored");
    const locked = await node.server.commands.execute(CHAIR, "demo", { type: "lock", ...AT_C2, reason: "agreed" });
    expect(locked.clause?.lock?.name).toBe("Chair");
    expect(clause.locked).toBe(true);
    expect(notices.map((n) => n.type)).toEqual(["locked"]);

    node.lose("stored");
    const unlocked = await node.server.commands.execute(CHAIR, "demo", { type: "unlock", ...AT_C2, reason: "reopen" });
    expect(unlocked.clause?.lock).toBeNull();
    expect(clause.lockRecord).toBeNull();
    expect(notices.map((n) => n.type)).toEqual(["locked", "unlocked"]);
    // The store agrees: a write lands.
    const edit = await clause.receiveUpdate(subscriber("delegate"), typed(clause.doc, "after "), false);
    expect(edit.type).toBe("applied");
  });

  it("when the store cannot be read back at once: no snapshot is taken, and the next change reads it back first (a lock it finds reaches the clause)", async () => {
    const { node, clause } = await clauseOfLossyNode("lost-unread");
    await lockWhileUnreadable(node);
    expect(clause.lockRecord).toBeNull();
    // The copy may lack what the store holds: a snapshot now could drop it from every later load.
    expect(await node.host.durableSnapshot()).toBeNull();
    await expect(node.set("x", 1)).rejects.toThrow(/read back/);

    node.failLoads(false);
    expect((await node.set("x", 2)).outcome.type).toBe("applied");
    expect(node.host.doc.getMap<ClauseEntry>(INDEX_CLAUSES).get("c2")?.lock?.name).toBe("Chair");
    expect(clause.locked).toBe(true);
    expect(await node.host.durableSnapshot()).not.toBeNull();
  });

  it("a lock stored though its reply was lost, while the store cannot be read: the copy reads it back by itself once it can, and a retried lock finds it", async () => {
    const { node, clause, notices } = await clauseOfLossyNode("lost-retry");
    await lockWhileUnreadable(node);
    expect(clause.lockRecord).toBeNull();

    // The store comes back: within a few retries the index reads the lock back, and the clause
    // takes it, told once.
    node.failLoads(false);
    await waitUntil(() => clause.locked, "the clause took the lock read back", 5_000);
    expect(notices.map((n) => n.type)).toEqual(["locked"]);
    // The chair's retry finds it locked, and nothing changes.
    await expect(
      node.server.commands.execute(CHAIR, "demo", { type: "lock", ...AT_C2, reason: "agreed" }),
    ).rejects.toThrow(/locked/i);
    expect(clause.locked).toBe(true);
    expect(notices.map((n) => n.type)).toEqual(["locked"]);
    expect(await node.host.durableSnapshot()).not.toBeNull();
  });

  it("an unlock stored though its reply was lost, while the store cannot be read: the clause turns writable by itself once the store can be read, told as by the server", async () => {
    const { node, clause, notices } = await clauseOfLossyNode("lost-unlock");
    await node.server.commands.execute(CHAIR, "demo", { type: "lock", ...AT_C2, reason: "agreed" });
    expect(clause.locked).toBe(true);
    node.lose("stored");
    node.failLoads(true);
    await expect(
      node.server.commands.execute(CHAIR, "demo", { type: "unlock", ...AT_C2, reason: "reopen" }),
    ).rejects.toThrow();
    expect(clause.locked).toBe(true);

    // Nobody retries: the copy reads itself back once the store answers, and the clause follows.
    node.failLoads(false);
    await waitUntil(() => clause.lockRecord === null, "the clause took the unlock read back", 5_000);
    const unlocked = notices.filter((n) => n.type === "unlocked");
    expect(unlocked).toHaveLength(1);
    expect(unlocked[0]).toMatchObject({ by: "the server" });
    const edit = await clause.receiveUpdate(subscriber("delegate"), typed(clause.doc, "reopened "), false);
    expect(edit.type).toBe("applied");
  });
});

const C2: DocName = {
  kind: "clause",
  name: "demo/implementation/c2",
  session: "demo",
  section: "implementation",
  clause: "c2",
};
const AT_C2 = { section: "implementation", clause: "c2" } as const;
const CHAIR = { sub: "u-chair", name: "Chair", role: "chair" as const, delegation: null, session: "demo" };

type LossyNode = Awaited<ReturnType<typeof lossyNode>>;

/** A lossy node with clause c2 loaded, and the notices a delegate on it hears. */
async function clauseOfLossyNode(name: string) {
  const node = await lossyNode(testPrefix(name));
  const clause = await node.server.registry.acquire(C2);
  const notices: Notice[] = [];
  clause.subscribe({ ...subscriber("delegate"), notify: (notice) => notices.push(notice) });
  return { node, clause, notices };
}

/** The chair locks c2; the lock is stored, its reply lost, and the store cannot be read back. */
async function lockWhileUnreadable(node: LossyNode): Promise<void> {
  node.lose("stored");
  node.failLoads(true);
  await expect(
    node.server.commands.execute(CHAIR, "demo", { type: "lock", ...AT_C2, reason: "agreed" }),
  ).rejects.toThrow();
}

function subscriber(role: "delegate" | "observer"): DocSubscriber {
  return {
    actor: { sub: `u-${role}`, name: role, role, delegation: role === "delegate" ? "AFR" : null, session: "demo" },
    sendUpdate() {},
    sendAwareness() {},
    notify() {},
    documentLost() {},
  };
}

/** An update typing `text` at the start of the clause's first paragraph, made on a copy of `doc`. */
function typed(doc: Y.Doc, text: string): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const before = Y.encodeStateVector(copy);
  typeInto(copy, text);
  return Y.encodeStateAsUpdate(copy, before);
}
