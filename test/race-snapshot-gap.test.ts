import type { DocName } from "@gavel/model";
import { expect, it } from "vitest";
import * as Y from "yjs";
import type { DocSubscriber, DocumentHost } from "../server/src/core/DocumentHost.ts";
import { buildServer, loadConfig, secretKey } from "../server/src/index.ts";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import type { FollowHandler, Store, StoredUpdate, UpdateRecord } from "../server/src/store/Store.ts";
import { clauseText, typeInto } from "./support/clients.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { TEST_SECRET } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const NAME: DocName = {
  kind: "clause",
  name: "demo/implementation/c3",
  session: "demo",
  section: "implementation",
  clause: "c3",
};
const actor = (sub: string) => ({ sub, name: sub, role: "delegate" as const, delegation: "AFR", session: "demo" });

async function node(prefix: string) {
  const inner = await openRedisStore({ url: await redisUrlForTests(), prefix });
  let gate: Promise<void> | null = null;
  let openGate = () => {};
  let followHeld = false;
  const buffered: [string, readonly StoredUpdate[]][] = [];
  let deliverReal: FollowHandler = () => {};
  const store: Store = new Proxy(inner, {
    get(target, prop) {
      if (prop === "append")
        return async (records: readonly UpdateRecord[]) => {
          if (gate) await gate;
          return target.append(records);
        };
      if (prop === "follow")
        return (deliver: FollowHandler, onError?: (error: unknown) => void) => {
          deliverReal = deliver;
          if (!target.follow) throw new Error("the Redis store follows");
          return target.follow(
            (doc, entries) => (followHeld ? buffered.push([doc, entries]) : deliver(doc, entries)),
            onError,
          );
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const config = loadConfig({ DATA_DIR: tempDir("rev-"), LOG_LEVEL: "warn", PORT: "0", COMPACT_EVERY: "1" });
  const server = await buildServer(config, { store, secret: secretKey(TEST_SECRET) });
  await server.sessions.ensureSession("demo", "wtdc-action-plan");
  return {
    server,
    inner,
    holdAppends() {
      gate = new Promise((r) => (openGate = r));
    },
    releaseAppends() {
      gate = null;
      openGate();
    },
    holdFollow() {
      followHeld = true;
    },
    releaseFollow() {
      followHeld = false;
      for (const [d, e] of buffered.splice(0)) deliverReal(d, e);
    },
    close: async () => {
      await server.close();
      await inner.close();
    },
  };
}

function edit(host: DocumentHost, text: string): Uint8Array {
  const c = new Y.Doc();
  Y.applyUpdate(c, Y.encodeStateAsUpdate(host.doc));
  const sv = Y.encodeStateVector(c);
  typeInto(c, text);
  return Y.encodeStateAsUpdate(c, sv);
}

it("a snapshot taken while an own update is in flight never claims another node's earlier entry the copy has not followed yet (its acknowledged edit stays in every later load)", async () => {
  const prefix = testPrefix("review-snap");
  const a = await node(prefix);
  const b = await node(prefix);
  try {
    const ha = await a.server.registry.acquire(NAME);
    const hb = await b.server.registry.acquire(NAME);
    const sa: DocSubscriber = {
      actor: actor("a1"),
      sendUpdate() {},
      sendAwareness() {},
      notify() {},
      documentLost() {},
    };
    const sb: DocSubscriber = {
      actor: actor("b1"),
      sendUpdate() {},
      sendAwareness() {},
      notify() {},
      documentLost() {},
    };
    ha.subscribe(sa);
    hb.subscribe(sb);
    // A's follower lags a moment (it has not yet read B's next entry).
    a.holdFollow();
    a.holdAppends();
    const uA1 = edit(ha, "A-ONE ");
    const pA1 = ha.receiveUpdate(sa, uA1, false);
    await new Promise((r) => setTimeout(r, 20));
    const uA2 = edit(ha, "A-TWO ");
    const pA2 = ha.receiveUpdate(sa, uA2, false);
    // B's edit is stored first (lower id than both of A's).
    const outB = await hb.receiveUpdate(sb, edit(hb, "B-ACKED "), false);
    expect(outB.type).toBe("applied");
    a.releaseAppends();
    expect([(await pA1).type, (await pA2).type]).toEqual(["applied", "applied"]);
    await new Promise((r) => setTimeout(r, 300));
    a.releaseFollow();
    await new Promise((r) => setTimeout(r, 300));
    const log = await a.inner.load(NAME.name);
    const fresh = new Y.Doc();
    for (const u of [log.snapshot, ...log.updates]) if (u) Y.applyUpdate(fresh, u);
    const history = new Y.Doc();
    for (const r of await a.inner.history(NAME.name)) Y.applyUpdate(history, r.update);
    expect(clauseText(fresh)).toContain("B-ACKED");
  } finally {
    a.releaseAppends();
    a.releaseFollow();
    await b.close();
    await a.close();
  }
});
