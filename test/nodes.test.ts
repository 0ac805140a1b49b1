import type { HocuspocusProvider } from "@hocuspocus/provider";
import { describe, expect, it } from "vitest";
import { type ApiClause, type ApiSection, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient, typeInto } from "./support/clients.ts";
import { startNodes } from "./support/nodes.ts";
import { makeToken, waitUntil, waitUntilAsync } from "./support/server.ts";

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
    // A fresh client on any node, and the API of every node, agree with them.
    const reader = plainClient(set.proxy.wsUrl, CLAUSE, await makeToken("observer"));
    await waitUntil(() => reader.provider.synced, "fresh reader synced");
    expect(clauseText(reader.doc)).toBe(texts[0]);
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
});
