import { describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { api } from "./support/api.ts";
import { attachDocument, multiplexedSocket } from "./support/clients.ts";
import { startTestServer, waitUntil } from "./support/server.ts";

const CLAUSE = "demo/glossary/c1";
const REDLINE = "/api/sessions/demo/sections/glossary/redline";

interface Redline {
  from: string;
  to: string;
  clauses: {
    id: string;
    label: string;
    formerNumbers: string[];
    change: string;
    segments: { text: string; kind: string; by: { name: string; delegation: string | null; role: string } | null }[];
  }[];
  error?: { code: string };
}

function textNode(doc: Y.Doc): Y.XmlText {
  return (doc.getXmlFragment("default").get(0) as Y.XmlElement).get(0) as Y.XmlText;
}

describe("redline view data", () => {
  it("shows each section's changes since a revision, insertions and deletions with their authors; any role reads it", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    expect((await api(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", { label: "Rev.1" })).status).toBe(201);

    const afrToken = await t.token("delegate", { delegation: "AFR", name: "Delegate of AFR" });
    const ceptToken = await t.token("delegate", { delegation: "CEPT", name: "Delegate of CEPT" });
    const afr = attachDocument(multiplexedSocket(t.wsUrl, afrToken), CLAUSE, afrToken);
    await waitUntil(() => afr.synced, "AFR synced");
    textNode(afr.document).insert(0, "Revised: ");
    await waitUntil(() => afr.unsyncedChanges === 0, "AFR's edit stored");
    const cept = attachDocument(multiplexedSocket(t.wsUrl, ceptToken), CLAUSE, ceptToken);
    await waitUntil(() => cept.synced, "CEPT synced");
    await waitUntil(() => textNode(cept.document).toString().includes("Revised"), "CEPT sees AFR's edit");
    textNode(cept.document).delete(18, 13); // "a measurable "
    textNode(cept.document).insert(18, "an observable ");
    await waitUntil(() => cept.unsyncedChanges === 0, "CEPT's edit stored");

    const observer = await t.token("observer");
    const { status, body } = await api<Redline>(t.httpUrl, observer, "GET", `${REDLINE}?from=Rev.1`);
    expect(status).toBe(200);
    expect([body.from, body.to]).toEqual(["Rev.1", "now"]);
    expect(body.clauses.map((c) => [c.id, c.label, c.change])).toEqual([
      ["c1", "1", "modified"],
      ["c2", "2", "unchanged"],
      ["c3", "3", "unchanged"],
      ["c4", "4", "unchanged"],
    ]);
    const [c1] = body.clauses;
    const AFR = { name: "Delegate of AFR", delegation: "AFR", role: "delegate" };
    const CEPT = { name: "Delegate of CEPT", delegation: "CEPT", role: "delegate" };
    expect(c1?.segments.slice(0, 5)).toEqual([
      { text: "Revised: ", kind: "inserted", by: AFR },
      { text: "Outcome: ", kind: "same", by: null },
      { text: "a measurable ", kind: "deleted", by: CEPT },
      { text: "an observable ", kind: "inserted", by: CEPT },
      expect.objectContaining({ kind: "same", by: null }),
    ]);
    // The whole text now is what the section API says.
    const section = await api<{ clauses: { id: string; text: string }[] }>(
      t.httpUrl,
      chair,
      "GET",
      "/api/sessions/demo/sections/glossary",
    );
    const now = c1?.segments
      .filter((s) => s.kind !== "deleted")
      .map((s) => s.text)
      .join("");
    expect(now).toBe(section.body.clauses[0]?.text);
    expect(c1?.segments.filter((s) => s.kind === "deleted").map((s) => s.text)).toEqual(["a measurable "]);
  });

  it("reads up to a second revision, and refuses unknown revisions (UNKNOWN_REVISION), a missing from and a later from (BAD_REQUEST)", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const snapshot = (label: string) => api(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", { label });
    await snapshot("Rev.1");
    const inserted = await api(t.httpUrl, chair, "POST", "/api/sessions/demo/sections/glossary/clauses", {
      after: "c1",
      text: "A new definition.",
    });
    expect(inserted.status).toBe(201);
    await snapshot("Rev.2");
    await api(t.httpUrl, chair, "DELETE", "/api/sessions/demo/sections/glossary/clauses/c2");

    const toRev2 = await api<Redline>(t.httpUrl, chair, "GET", `${REDLINE}?from=Rev.1&to=Rev.2`);
    expect(toRev2.body.clauses.map((c) => [c.id, c.label, c.change])).toEqual([
      ["c1", "1", "unchanged"],
      ["c5", "1 bis", "added"],
      ["c2", "2", "unchanged"],
      ["c3", "3", "unchanged"],
      ["c4", "4", "unchanged"],
    ]);
    expect(toRev2.body.clauses[1]?.segments).toEqual([
      { text: "A new definition.", kind: "inserted", by: expect.objectContaining({ role: "chair" }) },
    ]);
    const toNow = await api<Redline>(t.httpUrl, chair, "GET", `${REDLINE}?from=Rev.2`);
    expect(toNow.body.clauses.find((c) => c.id === "c2")).toMatchObject({
      change: "removed",
      label: "2",
      segments: [{ kind: "deleted", by: { role: "chair" } }],
    });
    expect(toNow.body.clauses.map((c) => c.id)).toEqual(["c1", "c5", "c2", "c3", "c4"]);

    const refusals: [string, number, string][] = [
      [`${REDLINE}?from=Rev.9`, 404, "UNKNOWN_REVISION"],
      [`${REDLINE}?from=Rev.1&to=Rev.9`, 404, "UNKNOWN_REVISION"],
      [REDLINE, 400, "BAD_REQUEST"],
      [`${REDLINE}?from=Rev.2&to=Rev.1`, 400, "BAD_REQUEST"],
      ["/api/sessions/demo/sections/nowhere/redline?from=Rev.1", 404, "NOT_FOUND"],
    ];
    for (const [path, status, code] of refusals) {
      const answer = await api<Redline>(t.httpUrl, chair, "GET", path);
      expect([answer.status, answer.body.error?.code], path).toEqual([status, code]);
    }
  });
});
