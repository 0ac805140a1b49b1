import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import { type ApiClause, type ApiSection, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { startNodes } from "./support/nodes.ts";
import { startRedisServer, testPrefix } from "./support/redis.ts";
import { makeToken, waitUntil, waitUntilAsync } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

// The Hocuspocus way in Node: a provider given a URL opens its socket with the global WebSocket.
if (globalThis.WebSocket === undefined) globalThis.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket;

const SECTION = "implementation";
const CLAUSE = `demo/${SECTION}/c2`;
const SECTION_API = `/api/sessions/demo/sections/${SECTION}`;

/** A delegate's clause provider on node `url`, with every notice it receives. */
async function writerOn(url: string, name = CLAUSE, delegation = "AFR") {
  const token = await makeToken("delegate", { delegation });
  const socket = multiplexedSocket(url, token);
  const provider = attachDocument(socket, name, token);
  const notices: { type: string; code?: string }[] = [];
  provider.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
  return { provider, notices, socket, token };
}

const synced = (providers: readonly HocuspocusProvider[]) => providers.every((p) => p.synced);
const acknowledged = (providers: readonly HocuspocusProvider[]) => providers.every((p) => p.unsyncedChanges === 0);

describe("several nodes share every session through Redis (issue 10)", () => {
  it("clients of one clause spread over three nodes converge; every acknowledged edit reaches the other nodes' clients", async () => {
    const set = await startNodes(3);
    const writers = await Promise.all(set.nodes.map((node) => writerOn(node.wsUrl)));
    const providers = writers.map((w) => w.provider);
    await waitUntil(() => synced(providers), "every node's client synced");
    for (let round = 0; round < 20; round += 1) {
      for (const [i, p] of providers.entries()) typeInto(p.document, `<${i}.${round}>`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => acknowledged(providers), "every edit acknowledged", 20_000);
    const markers = providers.flatMap((_, i) => Array.from({ length: 20 }, (_, round) => `<${i}.${round}>`));
    await waitUntil(
      () => providers.every((p) => markers.every((m) => clauseText(p.document).includes(m))),
      "every edit on every node",
      20_000,
    );
    const texts = providers.map((p) => clauseText(p.document));
    expect(new Set(texts).size).toBe(1);
    // A fresh client on any node, and the API of every node, agree with them; so does a stock
    // provider used the Hocuspocus way through the load balancer (the token only in Auth).
    const reader = plainClient(set.proxy.wsUrl, CLAUSE, await makeToken("observer"));
    await waitUntil(() => reader.provider.synced, "fresh reader synced");
    expect(clauseText(reader.doc)).toBe(texts[0]);
    const tokenless = new HocuspocusProvider({
      url: `${set.proxy.wsUrl}/collab`,
      name: CLAUSE,
      token: await makeToken("observer"),
    });
    onTestFinished(() => tokenless.destroy());
    await waitUntil(() => tokenless.synced, "the Hocuspocus way through HAProxy");
    expect(clauseText(tokenless.document)).toBe(texts[0]);
    const chair = await makeToken("chair");
    for (const node of set.nodes) {
      const section = await api<ApiSection>(node.httpUrl, chair, "GET", SECTION_API);
      expect(section.body.clauses.find((c) => c.id === "c2")?.text).toBe(texts[0]);
    }
    // One demo session however the three nodes raced to create it: the template's clauses once.
    const counts = await Promise.all(
      set.nodes.map(
        async (node) => (await api<ApiSection>(node.httpUrl, chair, "GET", SECTION_API)).body.clauses.length,
      ),
    );
    expect(new Set(counts).size).toBe(1);
  });

  it("two nodes given the same NODE_ID still apply each other's edits: their clients converge, and the store holds every edit", async () => {
    // A first node creates the demo session and goes; the two started after it load nothing
    // before their clients come, so each one's copies of the clause get the same numbers.
    const redis = await startRedisServer();
    onTestFinished(() => redis.stop());
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: testPrefix("same-id"),
      SHARED_STORE: "true",
      REDIS_LEASE_MS: "2000",
    };
    const seeder = await spawnServer({
      ...env,
      NODE_ID: "seeder",
      DEMO_SESSION: "demo",
      DATA_DIR: tempDir("gavel-seed-"),
    });
    await seeder.kill("SIGTERM");
    const nodes = await Promise.all(
      [1, 2].map((n) =>
        spawnServer({ ...env, NODE_ID: "same-name", DEMO_SESSION: "", DATA_DIR: tempDir(`gavel-same-${n}-`) }),
      ),
    );
    const writers = [];
    for (const node of nodes) writers.push(await writerOn(node.wsUrl));
    const providers = writers.map((w) => w.provider);
    await waitUntil(() => synced(providers), "both clients synced");
    for (let round = 0; round < 10; round += 1) {
      for (const [i, p] of providers.entries()) typeInto(p.document, `<${i}.${round}>`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => acknowledged(providers), "every edit acknowledged", 20_000);
    const markers = [0, 1].flatMap((i) => Array.from({ length: 10 }, (_, round) => `<${i}.${round}>`));
    await waitUntil(
      () => providers.every((p) => markers.every((m) => clauseText(p.document).includes(m))),
      "every edit on both nodes",
      20_000,
    ).catch((error) => {
      throw new Error(`${String(error)}: ${providers.map((p) => JSON.stringify(clauseText(p.document))).join(" / ")}`);
    });
    const store = await openRedisStore({ url: redis.url, prefix: env.REDIS_PREFIX });
    onTestFinished(() => store.close());
    const stored = await store.history(CLAUSE);
    const replay = new Y.Doc();
    for (const entry of stored) Y.applyUpdate(replay, entry.update);
    expect(clauseText(replay)).toBe(clauseText(providers[0]?.document ?? replay));
  });

  it("a lock through node A refuses writes at B and C (0 changes to the locked text over 1,000 racing writes); every node's clients are told; unlock restores writing without reconnecting", async () => {
    const set = await startNodes(3);
    const [a, b, c] = set.nodes;
    if (!a || !b || !c) throw new Error("three nodes");
    const writers = await Promise.all([b, c].map((node, i) => writerOn(node.wsUrl, CLAUSE, i === 0 ? "AFR" : "CEPT")));
    const watcher = await writerOn(a.wsUrl, CLAUSE, "APT");
    const providers = [...writers.map((w) => w.provider), watcher.provider];
    await waitUntil(() => synced(providers), "synced");
    const chair = await makeToken("chair");
    // 1,000 writes racing the lock across B and C, in bounded loops.
    let sent = 0;
    const race = (async () => {
      while (sent < 1000) {
        for (const w of writers) {
          typeInto(w.provider.document, "x");
          sent += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitUntil(() => sent >= 200, "typing under way");
    const lock = await api<{ clause: { lock: { name: string } } }>(
      a.httpUrl,
      chair,
      "POST",
      `${SECTION_API}/clauses/c2/lock`,
      {
        reason: "agreed in substance",
      },
    );
    expect(lock.status).toBe(200);
    const lockedText = (await api<ApiSection>(a.httpUrl, chair, "GET", SECTION_API)).body.clauses.find(
      (x) => x.id === "c2",
    )?.text;
    await race;
    // Every node's clients hear of the lock: the notice, or, for a write another node's store
    // check refused before this node learned of the lock, its refusal with LOCKED.
    const told = (w: { notices: { type: string; code?: string }[] }) =>
      w.notices.some((n) => n.type === "locked" || (n.type === "refused" && n.code === "LOCKED"));
    await waitUntil(() => [...writers, watcher].every(told), "every node's clients told of the lock", 10_000);
    expect(watcher.notices.some((n) => n.type === "locked")).toBe(true);
    // The locked text stays the locked text, on every node and in the store.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const node of set.nodes) {
      const section = await api<ApiSection>(node.httpUrl, chair, "GET", SECTION_API);
      const clause = section.body.clauses.find((x) => x.id === "c2");
      expect(clause?.locked?.name, `lock seen on ${node.httpUrl}`).toBe(lock.body.clause.lock.name);
      expect(clause?.text, `text on ${node.httpUrl}`).toBe(lockedText);
    }
    const reader = plainClient(set.proxy.wsUrl, CLAUSE, await makeToken("observer"));
    await waitUntil(() => reader.provider.synced, "fresh reader synced");
    expect(clauseText(reader.doc)).toBe(lockedText);

    // Unlock through A: writers on B and C write again on the same sockets.
    const unlock = await api(a.httpUrl, chair, "POST", `${SECTION_API}/clauses/c2/unlock`, { reason: "CEPT asked" });
    expect(unlock.status).toBe(200);
    await waitUntil(
      () => writers.every((w) => w.notices.some((n) => n.type === "unlocked")),
      "the unlocked notice on B and C",
      10_000,
    );
    // Their refused edits are still in their local copies: each resets (a fresh copy of the
    // clause on the same socket, as the room does on a refusal) and writes again.
    const fresh = writers.map((w) => {
      w.provider.destroy();
      return attachDocument(w.socket, CLAUSE, w.token);
    });
    await waitUntil(
      () => fresh.every((p) => p.synced && clauseText(p.document) === lockedText),
      "reset to the locked text",
    );
    for (const [i, p] of fresh.entries()) typeInto(p.document, `after-unlock-${i} `);
    await waitUntilAsync(async () => {
      const section = await api<ApiSection>(a.httpUrl, chair, "GET", SECTION_API);
      const text = section.body.clauses.find((x) => x.id === "c2")?.text ?? "";
      return text.includes("after-unlock-0") && text.includes("after-unlock-1");
    }, "writes after the unlock stored, seen through A");
  });

  it("two nodes inserting at once give distinct clause ids, and every node shows one order", async () => {
    const set = await startNodes(3);
    const [a, b] = set.nodes;
    if (!a || !b) throw new Error("nodes");
    const chair = await makeToken("chair");
    const inserts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api<{ clause: { id: string } }>((i % 2 === 0 ? a : b).httpUrl, chair, "POST", `${SECTION_API}/clauses`, {
          text: `Inserted ${i}.`,
        }),
      ),
    );
    expect(inserts.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 201));
    const ids = inserts.map((r) => r.body.clause.id);
    expect(new Set(ids).size).toBe(10);
    await waitUntilAsync(async () => {
      const orders = await Promise.all(
        set.nodes.map(async (node) =>
          (await api<ApiSection>(node.httpUrl, chair, "GET", SECTION_API)).body.clauses
            .map((c) => `${c.id}:${c.text}`)
            .join("|"),
        ),
      );
      return new Set(orders).size === 1 && ids.every((id) => orders[0]?.includes(`${id}:`));
    }, "one order on every node");
  });

  it("a named revision taken on one node returns the same text on every node", async () => {
    const set = await startNodes(3);
    const [a] = set.nodes;
    if (!a) throw new Error("nodes");
    const writer = await writerOn(set.nodes[1]?.wsUrl ?? "");
    await waitUntil(() => writer.provider.synced, "synced");
    typeInto(writer.provider.document, "Before Rev.1. ");
    await waitUntil(() => writer.provider.unsyncedChanges === 0, "acknowledged");
    const chair = await makeToken("chair");
    const taken = await api(a.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", { label: "Rev.1" });
    expect(taken.status).toBe(201);
    typeInto(writer.provider.document, "After Rev.1. ");
    await waitUntil(() => writer.provider.unsyncedChanges === 0, "acknowledged");
    const texts = await Promise.all(
      set.nodes.map(
        async (node) =>
          (await api<ApiClause>(node.httpUrl, chair, "GET", `${SECTION_API}/clauses/c2?snapshot=Rev.1`)).body.text,
      ),
    );
    expect(texts[0]).toContain("Before Rev.1.");
    expect(texts[0]).not.toContain("After Rev.1.");
    expect(new Set(texts).size).toBe(1);
  });

  it("node death: SIGKILL one node while 30 writers work, 5 times; clients reconnect through HAProxy, no acknowledged edit is missing, everyone converges with the store", async () => {
    const set = await startNodes(3);
    const clauses = ["c1", "c2", "c3"].map((c) => `demo/${SECTION}/${c}`);
    const writers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const token = await makeToken("delegate", { delegation: "AFR" });
        const socket = new HocuspocusProviderWebsocket({
          url: `${set.proxy.wsUrl}/collab?token=${encodeURIComponent(token)}`,
          WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
          // Reconnect for as long as the test runs, at most a second apart.
          maxAttempts: 200,
          maxDelay: 1000,
        });
        onTestFinished(() => socket.destroy());
        const clause = clauses[i % clauses.length] ?? CLAUSE;
        const writer = {
          i,
          clause,
          provider: attachDocument(socket, clause, token),
          acked: [] as string[],
          typed: 0,
          drops: 0,
        };
        socket.on("disconnect", () => {
          writer.drops += 1;
        });
        return writer;
      }),
    );
    await waitUntil(() => writers.every((w) => w.provider.synced), "30 writers synced", 30_000);
    let working = true;
    // Each writer types a marker, waits for its acknowledgement, and goes on (bounded).
    const typing = writers.map(async (w) => {
      while (working && w.typed < 200) {
        const marker = `<${w.i}.${w.typed}>`;
        typeInto(w.provider.document, marker);
        w.typed += 1;
        const deadline = Date.now() + 30_000;
        while (w.provider.unsyncedChanges > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (w.provider.unsyncedChanges === 0 && w.provider.synced) w.acked.push(marker);
        await new Promise((r) => setTimeout(r, 50 + ((w.i * 7) % 50)));
      }
    });
    for (let kill = 0; kill < 5; kill += 1) {
      await new Promise((r) => setTimeout(r, 700));
      const victim = kill % set.nodes.length;
      await set.nodes[victim]?.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 700));
      await set.restart(victim);
    }
    await new Promise((r) => setTimeout(r, 700));
    working = false;
    await Promise.all(typing);
    await waitUntil(
      () => writers.every((w) => w.provider.synced && w.provider.unsyncedChanges === 0),
      "all settled",
      30_000,
    );
    const acked = writers.reduce((n, w) => n + w.acked.length, 0);
    expect(acked).toBeGreaterThan(100);
    // The kills cut the writers of each victim off: they came back through HAProxy.
    expect(writers.filter((w) => w.drops > 0).length).toBeGreaterThanOrEqual(10);
    // The store itself: every update of each clause replayed, as a restart would read it.
    const store = await openRedisStore({ url: set.redis.url, prefix: set.env.REDIS_PREFIX ?? "" });
    onTestFinished(() => store.close());
    const lag: string[] = [];
    for (const clause of clauses) {
      const replay = new Y.Doc();
      for (const record of await store.history(clause)) Y.applyUpdate(replay, record.update);
      const stored = clauseText(replay);
      const mine = writers.filter((w) => w.clause === clause);
      const missing = mine.flatMap((w) => w.acked).filter((marker) => !stored.includes(marker));
      expect(missing, `acknowledged edits missing from the store for ${clause}`).toEqual([]);
      await waitUntil(
        () => mine.every((w) => clauseText(w.provider.document) === stored),
        `every writer of ${clause} converges with the store`,
        30_000,
      );
      // And a fresh client through the load balancer, whichever node it reaches.
      const reader = plainClient(set.proxy.wsUrl, clause, await makeToken("observer"));
      await waitUntil(
        () => reader.provider.synced && clauseText(reader.doc) === stored,
        `a fresh reader of ${clause}`,
        30_000,
      );
    }
    for (const node of set.nodes) {
      const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
      lag.push(metrics.split("\n").find((l) => l.startsWith("gavel_tail_lag_ms ")) ?? "");
    }
    console.log(`tail lag at the end, per node: ${lag.join(", ")}`);
  }, 180_000);

  it("presence travels between nodes, stamped: delegates see each other across nodes, never an observer; a dead node's people go within the awareness timeout", async () => {
    const set = await startNodes(3);
    const [one, two, three] = set.nodes;
    if (!one || !two || !three) throw new Error("nodes");
    const join = async (url: string, role: "delegate" | "observer", name: string) => {
      const token = await makeToken(role, { name, ...(role === "delegate" ? { delegation: "AFR" } : {}) });
      const provider = attachDocument(multiplexedSocket(url, token), CLAUSE, token);
      provider.setAwarenessField("user", { name: "someone else", colour: "#123456" });
      return provider;
    };
    // The others as this client sees them (its own local state left out).
    const names = (p: HocuspocusProvider) =>
      [...(p.awareness?.getStates().entries() ?? [])]
        .filter(([clientId]) => clientId !== p.awareness?.clientID)
        .map(([, state]) => (state as { user?: { name?: string } }).user?.name)
        .filter((n): n is string => typeof n === "string")
        .sort();
    const ana = await join(one.wsUrl, "delegate", "Ana");
    const ben = await join(two.wsUrl, "delegate", "Ben");
    const olga = await join(three.wsUrl, "observer", "Olga");
    const otto = await join(two.wsUrl, "observer", "Otto");
    await waitUntil(() => synced([ana, ben, olga, otto]), "synced");
    await waitUntil(
      () => names(ben).includes("Ana") && names(ana).includes("Ben"),
      "delegates see each other across nodes",
    );
    // Stamped by the node that holds the connection: nobody appears as someone else.
    expect(names(ben)).not.toContain("someone else");
    await waitUntil(
      () => names(otto).includes("Olga") && names(olga).includes("Ana"),
      "observers see observers and delegates",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(names(ana)).not.toContain("Olga");
    expect(names(ben)).not.toContain("Olga");
    expect(names(ben)).not.toContain("Otto");

    // Node one dies with Ana's connection: the others drop her within the awareness timeout (30 s).
    await one.kill("SIGKILL");
    ana.destroy();
    await waitUntil(
      () => !names(ben).includes("Ana") && !names(olga).includes("Ana"),
      "Ana gone from the other nodes",
      40_000,
    );
    expect(names(ben)).not.toContain("Ben");
    expect(names(olga)).toContain("Ben");
  }, 90_000);
});
