import { join } from "node:path";
import type { ClauseEntry } from "@gavel/model";
import { openSqliteStore } from "@gavel/server";
import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { api } from "./support/api.ts";
import { attachDocument, multiplexedSocket } from "./support/clients.ts";
import { gatedStore } from "./support/gatedStore.ts";
import { startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";
import { tempDir } from "./support/tmp.ts";

interface ConsensusBody {
  totals: { openBrackets: number; byDelegation: Record<string, number> };
  sections: {
    id: string;
    figures: { openBrackets: number };
    clauses: { id: string; state: string; figures: { openBrackets: number } }[];
  }[];
}

function firstText(doc: Y.Doc): Y.XmlText {
  const paragraph = doc.getXmlFragment("default").get(0) as Y.XmlElement;
  return paragraph.get(0) as Y.XmlText;
}

/** An RCC delegate's socket on the glossary's index and its clause c1, synced. */
/**
 * From now on the store fails every append to the glossary's index (the figures' writes); RCC
 * brackets the clause's first word, and the figures' write is tried and fails.
 */
async function bracketWhileIndexDown(gated: ReturnType<typeof gatedStore>, clause: Y.Doc, id: string): Promise<void> {
  let refused = 0;
  gated.fail((records) => {
    const toIndex = records.some((r) => r.doc === "demo/glossary");
    if (toIndex) refused += 1;
    return toIndex;
  });
  firstText(clause).format(0, 7, { bracket: { id, by: ["RCC"], reason: "substantive", group: null } });
  await waitUntil(() => refused >= 1, "the figures' write was tried and failed");
}

async function rccOnGlossaryC1(t: Awaited<ReturnType<typeof startTestServer>>) {
  const token = await t.token("delegate", { delegation: "RCC" });
  const socket = multiplexedSocket(t.wsUrl, token);
  const index = attachDocument(socket, "demo/glossary", token);
  const clause = attachDocument(socket, "demo/glossary/c1", token);
  await waitUntil(() => index.synced && clause.synced, "synced");
  const entry = () => index.document.getMap<ClauseEntry>("clauses").get("c1");
  return { index, clause, entry };
}

describe("live consensus figures", () => {
  it("CS6 CS11: bracket counts follow a delegate's bracket marks without any command, and re-bracketing reopens an agreement", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const { clause, entry } = await rccOnGlossaryC1(t);
    const figures = async () =>
      (await api<ConsensusBody>(t.httpUrl, chair, "GET", "/api/sessions/demo/consensus")).body;
    const before = await figures();
    expect(entry()?.figures.openBrackets).toBe(0);
    expect(
      (
        await api(t.httpUrl, chair, "POST", "/api/sessions/demo/sections/glossary/clauses/c1/consensus", {
          state: "agreed",
        })
      ).status,
    ).toBe(200);
    await waitUntil(() => entry()?.consensus.state === "agreed", "agreed reached the index");

    // A delegate brackets a phrase: a mark in the text, no command.
    firstText(clause.document).format(0, 7, {
      bracket: { id: "b-rcc-1", by: ["RCC"], reason: "substantive", group: null },
    });
    await waitUntil(() => entry()?.figures.openBrackets === 1, "the index counts the new bracket");
    expect(entry()?.figures.byDelegation).toEqual({ RCC: 1 });
    expect(entry()?.consensus.state).toBe("open");
    const during = await figures();
    expect(during.totals.openBrackets).toBe(before.totals.openBrackets + 1);
    expect(during.totals.byDelegation.RCC).toBe((before.totals.byDelegation.RCC ?? 0) + 1);
    expect(during.sections.find((s) => s.id === "glossary")?.clauses.find((c) => c.id === "c1")).toMatchObject({
      state: "open",
      figures: { openBrackets: 1 },
    });

    // Withdrawn: the mark is removed.
    firstText(clause.document).format(0, 7, { bracket: null });
    await waitUntil(() => entry()?.figures.openBrackets === 0, "the index forgets the withdrawn bracket");
    await waitUntilAsync(
      async () => (await figures()).totals.openBrackets === before.totals.openBrackets,
      "totals back",
    );
  });

  it("CS6: figures the store failed to take are stored once it takes writes again, with no further edit of the clause", async () => {
    const dataDir = tempDir("gavel-figures-");
    const gated = gatedStore(openSqliteStore({ file: join(dataDir, "gavel.sqlite") }));
    const t = await startTestServer({ store: gated.store, dataDir });
    const { clause, entry } = await rccOnGlossaryC1(t);
    expect(entry()?.figures.openBrackets).toBe(0);

    // The index's appends fail (the store is down for them); the clause's own edit is stored.
    await bracketWhileIndexDown(gated, clause.document, "b-rcc-2");
    expect(entry()?.figures.openBrackets).toBe(0);

    // Back: nobody edits the clause again, and its count reaches the index all the same.
    gated.fail(null);
    await waitUntil(() => entry()?.figures.openBrackets === 1, "the index counts the bracket after the outage");
    expect(entry()?.figures.byDelegation).toEqual({ RCC: 1 });
  });

  it("CS6: figures the store failed to take reach the index after the outage even when the clause was dropped from memory meanwhile", async () => {
    const dataDir = tempDir("gavel-figures-");
    const gated = gatedStore(openSqliteStore({ file: join(dataDir, "gavel.sqlite") }));
    const t = await startTestServer({ store: gated.store, dataDir, env: { UNLOAD_AFTER_MS: "50" } });
    const { clause, entry } = await rccOnGlossaryC1(t);
    await bracketWhileIndexDown(gated, clause.document, "b-rcc-3");
    // The delegate leaves the clause (the section's index stays open): its copy is dropped.
    clause.destroy();
    await waitUntil(() => !t.server.registry.isLoaded("demo/glossary/c1"), "the clause is unloaded");
    expect(entry()?.figures.openBrackets).toBe(0);

    gated.fail(null);
    await waitUntil(() => entry()?.figures.openBrackets === 1, "the index counts the bracket after the outage");
    expect(entry()?.figures.byDelegation).toEqual({ RCC: 1 });
  });
});
