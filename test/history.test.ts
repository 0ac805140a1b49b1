import { describe, expect, it } from "vitest";
import { type ApiClause, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, typeInto } from "./support/clients.ts";
import { startTestServer, waitUntil } from "./support/server.ts";

interface Change {
  section: string;
  clause: string;
  change: string;
  before: string | null;
  after: string | null;
}

describe("audit trail, revisions, time travel and diff", () => {
  it("a revision Rev.1 across sections returns the text of that instant after later edits; diff reports exactly the later edits", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const token = await t.token("delegate");
    const socket = multiplexedSocket(t.wsUrl, token);
    const a = attachDocument(socket, "demo/glossary/c2", token);
    const b = attachDocument(socket, "demo/introduction/c1", token);
    const c = attachDocument(socket, "demo/implementation/c7", token);
    await waitUntil(() => a.synced && b.synced && c.synced, "synced");
    typeInto(a.document, "Before Rev.1: ");
    typeInto(b.document, "Also before: ");
    await waitUntil(() => a.unsyncedChanges === 0 && b.unsyncedChanges === 0, "stored");
    const textA = clauseText(a.document);
    const textB = clauseText(b.document);
    const textC = clauseText(c.document);

    const taken = await api<{ label: string }>(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", {
      label: "Rev.1",
    });
    expect(taken.status).toBe(201);
    expect(
      (
        await api<{ error: { code: string } }>(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", {
          label: "Rev.1",
        })
      ).body.error.code,
    ).toBe("REVISION_EXISTS");

    typeInto(a.document, "After Rev.1: ");
    typeInto(c.document, "Later: ");
    await waitUntil(() => a.unsyncedChanges === 0 && c.unsyncedChanges === 0, "later edits stored");

    const clauseAt = async (section: string, clause: string, query: string) =>
      (
        await api<ApiClause>(
          t.httpUrl,
          chair,
          "GET",
          `/api/sessions/demo/sections/${section}/clauses/${clause}?${query}`,
        )
      ).body.text;
    expect(await clauseAt("glossary", "c2", "snapshot=Rev.1")).toBe(textA);
    expect(await clauseAt("introduction", "c1", "snapshot=Rev.1")).toBe(textB);
    expect(await clauseAt("implementation", "c7", "snapshot=Rev.1")).toBe(textC);
    expect(await clauseAt("glossary", "c2", "at=now")).toBe(clauseText(a.document));
    expect(
      (await api(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary/clauses/c2?snapshot=Rev.9")).status,
    ).toBe(404);

    const diff = await api<{ changes: Change[] }>(t.httpUrl, chair, "GET", "/api/sessions/demo/diff?from=Rev.1&to=now");
    expect(diff.body.changes.map((ch) => `${ch.section}/${ch.clause}:${ch.change}`).sort()).toEqual([
      "glossary/c2:modified",
      "implementation/c7:modified",
    ]);
    const changeA = diff.body.changes.find((ch) => ch.clause === "c2");
    expect(changeA?.before).toBe(textA);
    expect(changeA?.after).toBe(clauseText(a.document));
  });

  it("time travel by instant: a clause as it was at an ISO time", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const token = await t.token("delegate");
    const p = attachDocument(multiplexedSocket(t.wsUrl, token), "demo/glossary/c4", token);
    await waitUntil(() => p.synced, "synced");
    const original = clauseText(p.document);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const instant = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    typeInto(p.document, "Edited: ");
    await waitUntil(() => p.unsyncedChanges === 0, "stored");
    const then = await api<ApiClause>(
      t.httpUrl,
      chair,
      "GET",
      `/api/sessions/demo/sections/glossary/clauses/c4?at=${encodeURIComponent(instant)}`,
    );
    expect(then.body.text).toBe(original);
    expect(
      (await api(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary/clauses/c4?at=yesterday")).status,
    ).toBe(400);
  });

  it("AU1: the events log attributes each edit and command to the right user and delegation", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair", { sub: "chair-x", name: "Madam Chair" });
    const afr = await t.token("delegate", { sub: "del-afr", name: "Ada", delegation: "AFR" });
    const cept = await t.token("delegate", { sub: "del-cept", name: "Cem", delegation: "CEPT" });
    const pa = attachDocument(multiplexedSocket(t.wsUrl, afr), "demo/glossary/c2", afr);
    const pc = attachDocument(multiplexedSocket(t.wsUrl, cept), "demo/glossary/c2", cept);
    await waitUntil(() => pa.synced && pc.synced, "synced");
    typeInto(pa.document, "A ");
    await waitUntil(() => pa.unsyncedChanges === 0, "AFR stored");
    typeInto(pc.document, "C ");
    await waitUntil(() => pc.unsyncedChanges === 0, "CEPT stored");
    await api(t.httpUrl, chair, "POST", "/api/sessions/demo/sections/glossary/clauses/c2/lock", {
      reason: "agreed informally",
    });

    const { body } = await api<{
      events: {
        kind: string;
        clause: string | null;
        actor: { sub: string; delegation: string | null; role: string };
        command?: { type: string };
      }[];
    }>(t.httpUrl, chair, "GET", "/api/sessions/demo/events?section=glossary&clause=c2");
    const edits = body.events.filter((e) => e.kind === "edit" && e.actor.role === "delegate");
    expect(edits.map((e) => [e.actor.sub, e.actor.delegation])).toEqual([
      ["del-afr", "AFR"],
      ["del-cept", "CEPT"],
    ]);
    expect(
      body.events.filter((e) => e.kind === "command" && e.command?.type === "lock").map((e) => e.actor.sub),
    ).toEqual(["chair-x"]);
    expect(body.events.every((e) => e.clause === "c2" || e.clause === null)).toBe(true);
  });
});
