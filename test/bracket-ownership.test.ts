import type { BracketAttrs, Role } from "@gavel/model";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import type { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";
import { type ApiSection, api } from "./support/api.ts";
import { attachDocument, clauseText, multiplexedSocket, plainClient } from "./support/clients.ts";
import { startTestServer, type TestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

const SECTION = "glossary";
const CLAUSE = "demo/glossary/c3";
const BRACKETED = "against which progress is reported";
/** CEPT's bracket in glossary 3, as the template seeds it. */
const CEPT_BRACKET: BracketAttrs = { id: "b-gloss-3-1", by: ["CEPT"], reason: "editorial", group: null, note: null };
const SEEDED = `Thematic Priority: an area of work, common to all Sectors under the Strategic Plan, around which Outcomes are grouped and [${BRACKETED}].`;

type Edit = (text: Y.XmlText, at: number) => void;

/** The clause's text node and where the bracketed words start in it. */
function bracketed(doc: Y.Doc): { text: Y.XmlText; at: number } {
  const paragraph = doc.getXmlFragment("default").get(0) as Y.XmlElement;
  const text = paragraph.get(0) as Y.XmlText;
  const plain = (text.toDelta() as { insert: string }[]).map((op) => op.insert).join("");
  return { text, at: plain.indexOf(BRACKETED) };
}

function edit(doc: Y.Doc, change: Edit): void {
  const { text, at } = bracketed(doc);
  change(text, at);
}

const WITHDRAW: Edit = (t, at) => t.format(at, BRACKETED.length, { bracket: null });
const NARROW: Edit = (t, at) => t.format(at, 8, { bracket: null });
const RETYPE: Edit = (t, at) => t.insert(at + 8, "not ", { bracket: CEPT_BRACKET });
const REFUSED_EDITS: [string, Edit][] = [
  ["withdrawal", WITHDRAW],
  ["narrowing", NARROW],
  ["text change", RETYPE],
];

async function section(t: TestServer) {
  const chair = await t.token("chair");
  const { body } = await api<ApiSection>(t.httpUrl, chair, "GET", `/api/sessions/demo/sections/${SECTION}`);
  const clause = body.clauses.find((c) => c.id === "c3");
  if (!clause) throw new Error("no clause c3");
  return clause;
}

/** A fresh provider on /collab for the clause, its stateless notices recorded. */
async function collabClause(t: TestServer, role: Role, delegation: string | null = null) {
  const token = await t.token(role, { delegation });
  const provider = attachDocument(multiplexedSocket(t.wsUrl, token), CLAUSE, token);
  const notices: { type: string; code?: string; reason?: string }[] = [];
  provider.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
  await waitUntil(() => provider.synced, "clause synced");
  return { provider, notices };
}

/** Waits until the provider's edits are acknowledged (stored). */
async function stored(provider: HocuspocusProvider): Promise<void> {
  await waitUntil(() => provider.unsyncedChanges === 0, "edit acknowledged");
}

/** Permission-denied reasons a stock WebsocketProvider receives (it only logs them). */
function deniedReasons(provider: WebsocketProvider): string[] {
  const reasons: string[] = [];
  const listen = () =>
    provider.ws?.addEventListener("message", (event: MessageEvent) => {
      const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
      if (decoding.readVarUint(decoder) === 2 && decoding.readVarUint(decoder) === 0) {
        reasons.push(decoding.readVarString(decoder));
      }
    });
  listen();
  provider.on("status", ({ status }: { status: string }) => {
    if (status === "connected") listen();
  });
  return reasons;
}

describe("bracket ownership, enforced by the server", () => {
  it("BO5 BO2: on /collab a delegate's withdrawal, narrowing and text change of another delegation's bracket are refused and stored nowhere", async () => {
    const t = await startTestServer();
    const watcher = plainClient(t.wsUrl, CLAUSE, await t.token("observer"));
    await waitUntil(() => watcher.provider.synced, "watcher synced");
    const history = (await t.store.history(CLAUSE)).length;
    for (const [what, change] of REFUSED_EDITS) {
      // A refused copy must be reset: every attempt starts from a fresh provider.
      const { provider, notices } = await collabClause(t, "delegate", "AFR");
      edit(provider.document, change);
      await waitUntil(() => notices.some((n) => n.type === "refused"), `${what} answered`);
      expect(
        notices.find((n) => n.type === "refused"),
        what,
      ).toMatchObject({
        doc: CLAUSE,
        code: "BRACKET_OWNED",
        reason: expect.stringMatching(/^BO2: .*held by CEPT/),
      });
      provider.destroy();
    }
    expect((await t.store.history(CLAUSE)).length).toBe(history);
    expect((await section(t)).text).toBe(SEEDED);
    // Nothing was broadcast: an accepted edit after the refusals reaches the watcher alone.
    const { provider } = await collabClause(t, "delegate", "AFR");
    bracketed(provider.document).text.insert(0, "A ");
    await stored(provider);
    await waitUntil(() => clauseText(watcher.doc).startsWith("A Thematic"), "accepted edit broadcast");
    expect(clauseText(watcher.doc)).toBe(`A ${SEEDED}`);
  });

  it("BO5 BO3: on /collab co-sponsoring, withdrawing its own delegation and an alternative beside another delegation's bracket are accepted", async () => {
    const t = await startTestServer();
    const afr = await collabClause(t, "delegate", "AFR");
    edit(afr.provider.document, (text, at) =>
      text.format(at, BRACKETED.length, { bracket: { ...CEPT_BRACKET, by: ["CEPT", "AFR"] } }),
    );
    await stored(afr.provider);
    expect((await section(t)).brackets.map((b) => b.by)).toEqual([["CEPT", "AFR"]]);

    edit(afr.provider.document, (text, at) => text.format(at, BRACKETED.length, { bracket: CEPT_BRACKET }));
    await stored(afr.provider);
    expect((await section(t)).brackets.map((b) => b.by)).toEqual([["CEPT"]]);

    const alternative = { id: "b-afr-alt", by: ["AFR"], reason: "alternative", group: "g-3", note: "AFR's wording" };
    edit(afr.provider.document, (text, at) => {
      text.format(at, BRACKETED.length, { bracket: { ...CEPT_BRACKET, group: "g-3" } });
      text.insert(at + BRACKETED.length, "by which progress is measured", { bracket: alternative });
    });
    await stored(afr.provider);
    const clause = await section(t);
    expect(clause.text).toContain(`[${BRACKETED}][by which progress is measured].`);
    expect(clause.figures).toMatchObject({ openBrackets: 2, alternatives: 1 });
    expect(clause.brackets.find((b) => b.id === "b-afr-alt")).toMatchObject({ note: "AFR's wording", by: ["AFR"] });
    expect(afr.notices.filter((n) => n.type === "refused")).toEqual([]);
  });

  it("BO5 BO1: the chair and the secretariat may narrow, retype and withdraw any delegation's bracket, on both endpoints", async () => {
    const t = await startTestServer();
    const chair = await collabClause(t, "chair");
    edit(chair.provider.document, RETYPE);
    await stored(chair.provider);
    expect((await section(t)).brackets[0]?.text).toBe("against not which progress is reported");
    edit(chair.provider.document, NARROW);
    await stored(chair.provider);

    const secretariat = plainClient(t.wsUrl, CLAUSE, await t.token("secretariat"));
    await waitUntil(() => secretariat.provider.synced, "secretariat synced");
    const denied = deniedReasons(secretariat.provider);
    const { text } = bracketed(secretariat.doc);
    text.format(0, text.length, { bracket: null });
    await waitUntilAsync(async () => (await section(t)).brackets.length === 0, "bracket withdrawn by the secretariat");
    expect(denied).toEqual([]);
    expect(chair.notices.filter((n) => n.type === "refused")).toEqual([]);
  });

  it("BO5 BO2: on /y a delegate's withdrawal, narrowing and text change of another delegation's bracket are answered with permission-denied and stored nowhere", async () => {
    const t = await startTestServer();
    const history = (await t.store.history(CLAUSE)).length;
    for (const [what, change] of REFUSED_EDITS) {
      const client = plainClient(t.wsUrl, CLAUSE, await t.token("delegate", { delegation: "AFR" }));
      await waitUntil(() => client.provider.synced, "synced");
      const denied = deniedReasons(client.provider);
      edit(client.doc, change);
      await waitUntil(() => denied.length > 0, `${what} answered`);
      expect(denied[0], what).toMatch(/^BRACKET_OWNED: BO2: .*held by CEPT/);
      client.provider.destroy();
    }
    expect((await t.store.history(CLAUSE)).length).toBe(history);
    expect((await section(t)).text).toBe(SEEDED);

    // Co-sponsoring over /y is accepted.
    const client = plainClient(t.wsUrl, CLAUSE, await t.token("delegate", { delegation: "AFR" }));
    await waitUntil(() => client.provider.synced, "synced");
    edit(client.doc, (text, at) =>
      text.format(at, BRACKETED.length, { bracket: { ...CEPT_BRACKET, by: ["CEPT", "AFR"] } }),
    );
    await waitUntilAsync(async () => (await section(t)).brackets[0]?.by.length === 2, "co-sponsored");
  });

  it("BO5 BO1: a delegate token without a delegation types freely but changes no bracket", async () => {
    const t = await startTestServer();
    const { provider, notices } = await collabClause(t, "delegate", null);
    bracketed(provider.document).text.insert(0, "Note: ");
    await stored(provider);
    expect((await section(t)).text).toBe(`Note: ${SEEDED}`);
    edit(provider.document, (text, at) =>
      text.format(at, BRACKETED.length, { bracket: { ...CEPT_BRACKET, by: ["CEPT", "X"] } }),
    );
    await waitUntil(() => notices.some((n) => n.code === "BRACKET_OWNED"), "refused");
    expect(notices.find((n) => n.code === "BRACKET_OWNED")?.reason).toMatch(/^BO3: /);
  });
});
