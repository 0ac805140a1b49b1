import { join } from "node:path";
import { openRedisStore, openSqliteStore, type Store, type UpdateAuthor } from "@gavel/server";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiSection, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient } from "./support/clients.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";
import { makeToken, waitUntil } from "./support/server.ts";
import { spawnServer } from "./support/serverProcess.ts";
import { tempDir } from "./support/tmp.ts";

const CLAUSE = "demo/implementation/c5";
const ISSUE_8_UPDATE = Uint8Array.from(Buffer.from("0101a0af9f9eedfa847f00c10103667a3000", "hex"));
const MALLORY: UpdateAuthor = { sub: "mallory", name: "Delegate of X", role: "delegate", delegation: "X" };

/** An update whose first struct follows clocks nobody has: it stays pending wherever it is applied. */
function strandedUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = 4321;
  doc.getXmlFragment("default").insert(0, [new Y.XmlElement("paragraph")]);
  const before = Y.encodeStateVector(doc);
  doc.getXmlFragment("default").insert(1, [new Y.XmlElement("paragraph")]);
  return Y.encodeStateAsUpdate(doc, before);
}

/**
 * Issue 8: a clause whose stored log holds updates written before the update check (here
 * written into the store directly, as old code did) still opens for everyone.
 */
async function openPoisonedLog(env: Record<string, string>, openStore: () => Promise<Store>): Promise<void> {
  const seeded = await spawnServer(env);
  await seeded.kill("SIGTERM");
  const store = await openStore();
  const ids = await store.append(
    [ISSUE_8_UPDATE, strandedUpdate()].map((update) => ({ doc: CLAUSE, update, author: MALLORY, at: Date.now() })),
  );
  await store.close();

  const server = await spawnServer({ ...env, LOG_LEVEL: "warn" });
  const token = await makeToken("observer");
  const plain = plainClient(server.wsUrl, CLAUSE, token);
  const closes: number[] = [];
  plain.provider.on("connection-close", (event: CloseEvent | null) => closes.push(event?.code ?? 0));
  const hocuspocus = attachDocument(multiplexedSocket(server.wsUrl, token), CLAUSE, token);
  await waitUntil(() => plain.provider.synced && hocuspocus.synced, "fresh clients synced");

  const live = await api<ApiSection>(server.httpUrl, token, "GET", "/api/sessions/demo/sections/implementation");
  const text = live.body.clauses.find((c) => c.id === "c5")?.text;
  expect(text?.length).toBeGreaterThan(0);
  expect(clauseText(plain.doc)).toBe(text);
  expect(clauseText(hocuspocus.document)).toBe(text);
  expect(closes).toEqual([]);
  const warnings = server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; id?: string; author?: { sub: string }; doc?: string });
  for (const id of ids) {
    expect(warnings).toContainEqual(expect.objectContaining({ level: 40, doc: CLAUSE, id, author: MALLORY }));
  }
  expect(warnings.filter((w) => w.level >= 50)).toEqual([]);
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(/gavel_stored_updates_skipped_total 2\b/);
}

describe("a stored log with updates that cannot be integrated", () => {
  it("opens on SQLite: they are skipped, logged at warn with store id and author, and clients sync", async () => {
    const dataDir = tempDir("gavel-unreadable-");
    await openPoisonedLog({ DATA_DIR: dataDir }, async () => openSqliteStore({ file: join(dataDir, "gavel.sqlite") }));
  });

  const prefix = testPrefix("unreadable");
  afterAll(async () => {
    const client = createClient({ url: await redisUrlForTests() });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
    await client.close();
  });

  it("opens on Redis the same way", async () => {
    const url = await redisUrlForTests();
    await openPoisonedLog({ DATA_DIR: tempDir("gavel-unreadable-redis-"), REDIS_URL: url, REDIS_PREFIX: prefix }, () =>
      openRedisStore({ url, prefix }),
    );
  });
});
