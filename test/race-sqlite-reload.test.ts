import { join } from "node:path";
import type { DocName } from "@gavel/model";
import { expect, it } from "vitest";
import * as Y from "yjs";
import type { DocSubscriber } from "../server/src/core/DocumentHost.ts";
import { openSqliteStore } from "../server/src/store/sqliteStore.ts";
import { clauseText, typeInto } from "./support/clients.ts";
import { gatedStore } from "./support/gatedStore.ts";
import { startTestServer, waitUntil } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

const NAME: DocName = {
  kind: "clause",
  name: "demo/implementation/c3",
  session: "demo",
  section: "implementation",
  clause: "c3",
};
const delegate = { sub: "d-1", name: "D", role: "delegate" as const, delegation: "AFR", session: "demo" };

it("SQLite: a copy reloaded while the dropped copy's update is in flight takes its dropped copy's update in flight from the store, not for its own: nothing acknowledged is missing from a later load", async () => {
  const dataDir = tempDir("rev-sq-");
  const inner = openSqliteStore({ file: join(dataDir, "gavel.sqlite") });
  const gated = gatedStore(inner);
  const t = await startTestServer({ store: gated.store, dataDir, env: { COMPACT_EVERY: "1" } });
  const reg = t.server.registry;
  const a = await reg.acquire(NAME);
  const sub: DocSubscriber = { actor: delegate, sendUpdate() {}, sendAwareness() {}, notify() {}, documentLost() {} };
  a.subscribe(sub);
  // u1: an edit on its way to the store (the append is held).
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(a.doc));
  const before = Y.encodeStateVector(client);
  typeInto(client, "ZZZ-ACKED ");
  const u1 = Y.encodeStateAsUpdate(client, before);
  gated.hold();
  const outcome = a.receiveUpdate(sub, u1, false);
  await waitUntil(() => gated.heldAppends() > 0, "u1 held in the store");
  // The copy is dropped while u1 is in flight (any breakCopy: a Yjs fault on a later update,
  // a followed update that cannot be applied...). Simulated here.
  (a as unknown as { breakCopy(reason: string): void }).breakCopy("simulated");
  // A subscriber comes back at once and reloads: the store does not have u1 yet.
  const b = await reg.acquire(NAME);
  expect(b).not.toBe(a);
  gated.release();
  expect((await outcome).type).toBe("applied");
  await waitUntil(() => b.head !== null && !b.busy, "b head");
  await new Promise((r) => setTimeout(r, 200));
  const stored = new Y.Doc();
  for (const r of await inner.history(NAME.name)) Y.applyUpdate(stored, r.update);
  expect(clauseText(stored)).toContain("ZZZ-ACKED");
  // One more edit through the reloaded copy: compaction (COMPACT_EVERY=1) snapshots b's state at b's head.
  const c2 = new Y.Doc();
  Y.applyUpdate(c2, Y.encodeStateAsUpdate(b.doc));
  const sv = Y.encodeStateVector(c2);
  typeInto(c2, "LATER ");
  const sub2: DocSubscriber = { actor: delegate, sendUpdate() {}, sendAwareness() {}, notify() {}, documentLost() {} };
  b.subscribe(sub2);
  expect((await b.receiveUpdate(sub2, Y.encodeStateAsUpdate(c2, sv), false)).type).toBe("applied");
  await new Promise((r) => setTimeout(r, 300));
  const log = await inner.load(NAME.name);
  const fresh = new Y.Doc();
  for (const u of [log.snapshot, ...log.updates]) if (u) Y.applyUpdate(fresh, u);
  expect(clauseText(fresh)).toContain("ZZZ-ACKED");
});
