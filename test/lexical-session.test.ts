import { encodePlain } from "@gavel/protocol";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  docxClauseTexts,
  docxParagraphs,
  docxParagraphText,
  htmlClauseTexts,
  markdownClauseTexts,
  unzipDocx,
} from "../server/test/export/extract.ts";
import { type ApiSection, api } from "./support/api.ts";
import { attachDocument, multiplexedSocket } from "./support/clients.ts";
import { appendLexicalBracket, lexicalBrackets, typeIntoLexical } from "./support/lexicalClient.ts";
import { rawSocket } from "./support/rawClient.ts";
import { makeToken, startTestServer, waitUntil, waitUntilAsync } from "./support/server.ts";

/*
 * A Lexical session on the same server, driven by stock clients writing the @lexical/yjs layout:
 * the same enforcement (locks, observers, bracket ownership, same codes), the same read models
 * and the same exports as a Tiptap session holding the same content.
 */

const GLOSSARY = "/api/sessions/demo/sections/glossary";

async function sectionOf(t: Awaited<ReturnType<typeof startTestServer>>, token: string, path = GLOSSARY) {
  return (await api<ApiSection>(t.httpUrl, token, "GET", path)).body;
}

async function download(url: string, token: string): Promise<Buffer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function permissionDenied(frame: Uint8Array): string | null {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) return null;
  return decoding.readVarString(decoder);
}

describe("Lexical sessions", () => {
  it("CL1: POST /api/sessions takes editor tiptap | lexical (default tiptap), refuses any other, and GET says which", async () => {
    const t = await startTestServer();
    const create = async (id: string, editor?: string) =>
      api<{ editor?: string; error?: { code: string } }>(
        t.httpUrl,
        await makeToken("chair", { session: id }),
        "POST",
        "/api/sessions",
        { id, template: "empty", ...(editor === undefined ? {} : { editor }) },
      );
    expect(await create("lex", "lexical")).toMatchObject({ status: 201, body: { editor: "lexical" } });
    expect(await create("tip")).toMatchObject({ status: 201, body: { editor: "tiptap" } });
    expect((await create("bad", "prosemirror")).status).toBe(400);
    const lex = await api<{ editor: string }>(
      t.httpUrl,
      await makeToken("observer", { session: "lex" }),
      "GET",
      "/api/sessions/lex",
    );
    expect(lex.body.editor).toBe("lexical");
    expect(
      (await api<{ editor: string }>(t.httpUrl, await t.token("observer"), "GET", "/api/sessions/demo")).body.editor,
    ).toBe("tiptap");
  });

  it("CL4 CS7: a template seeded into a Lexical session reads, counts and exports exactly as in a Tiptap session; the DOCX is identical in text", async () => {
    const tiptap = await startTestServer();
    const lexical = await startTestServer({ editor: "lexical" });
    const tiptapToken = await tiptap.token("secretariat");
    const lexicalToken = await lexical.token("secretariat");
    const summary = await api<{ sections: { id: string }[] }>(
      lexical.httpUrl,
      lexicalToken,
      "GET",
      "/api/sessions/demo",
    );
    for (const { id } of summary.body.sections) {
      const path = `/api/sessions/demo/sections/${id}`;
      const [a, b] = [await sectionOf(tiptap, tiptapToken, path), await sectionOf(lexical, lexicalToken, path)];
      // Stamps differ (two servers seeded them); the content must not.
      const content = (section: ApiSection) =>
        section.clauses.map(({ id, number, text, bracketed, brackets, footnotes, figures }) => ({
          ...{ id, number, text, bracketed, brackets, footnotes, figures },
        }));
      expect(content(b), id).toEqual(content(a));
      expect(b.figures, id).toEqual(a.figures);
    }
    const docx = async (t: typeof tiptap, token: string) =>
      unzipDocx(await download(`${t.httpUrl}/api/sessions/demo/export?format=docx`, token));
    const [a, b] = [await docx(tiptap, tiptapToken), await docx(lexical, lexicalToken)];
    const texts = docxClauseTexts(a["word/document.xml"] ?? "");
    expect(texts.some((text) => text.includes("[shall]^{AFR, APT}[should]^{CEPT, CITEL}"))).toBe(true);
    expect(docxClauseTexts(b["word/document.xml"] ?? "")).toEqual(texts);
    // Every paragraph of the document, status annex included, but for the times of two servers.
    const whole = (parts: Record<string, string>) =>
      docxParagraphs(parts["word/document.xml"] ?? "").map((p) =>
        docxParagraphText(p).replace(/\d{4}-\d\d-\d\d( \d\d:\d\d UTC)?/g, "TIME"),
      );
    expect(whole(b)).toEqual(whole(a));
    expect(b["word/footnotes.xml"]).toEqual(a["word/footnotes.xml"]);
    const html = await download(`${lexical.httpUrl}/api/sessions/demo/export?format=html`, lexicalToken);
    const md = await download(`${lexical.httpUrl}/api/sessions/demo/export?format=md`, lexicalToken);
    expect(htmlClauseTexts(html.toString())).toEqual(texts);
    expect(markdownClauseTexts(md.toString())).toEqual(texts);
  });

  it("CL4 CS6: a delegate's typing and new bracket in a Lexical clause update the section API and the live figures", async () => {
    const t = await startTestServer({ editor: "lexical" });
    const token = await t.token("delegate", { delegation: "AFR" });
    const clause = attachDocument(multiplexedSocket(t.wsUrl, token), "demo/glossary/c2", token);
    await waitUntil(() => clause.synced, "synced");
    const before = await sectionOf(t, token);
    typeIntoLexical(clause.document, "Typed: ");
    appendLexicalBracket(clause.document, "new text", { id: "afr-1", by: ["AFR"], reason: "substantive" });
    await waitUntil(() => clause.unsyncedChanges === 0, "edits acknowledged");
    await waitUntilAsync(
      async () => (await sectionOf(t, token)).figures.openBrackets === before.figures.openBrackets + 1,
      "live figures follow",
    );
    const after = (await sectionOf(t, token)).clauses.find((c) => c.id === "c2");
    expect(after?.text).toMatch(/^Typed: .*\n\[new text\]$/s);
    expect(after?.brackets).toEqual([
      { id: "afr-1", by: ["AFR"], reason: "substantive", group: null, note: null, text: "new text" },
    ]);
    const consensus = await api<{ sections: { id: string; figures: { byDelegation: Record<string, number> } }[] }>(
      t.httpUrl,
      token,
      "GET",
      "/api/sessions/demo/consensus",
    );
    expect(consensus.body.sections.find((s) => s.id === "glossary")?.figures.byDelegation.AFR).toBe(1);
  });

  it("CL4 LK4 RO1: a delegate's write to a locked Lexical clause and an observer's write are refused with the Tiptap codes and stored nowhere", async () => {
    const t = await startTestServer({ editor: "lexical" });
    const chair = await t.token("chair");
    const lock = await api(t.httpUrl, chair, "POST", "/api/sessions/demo/sections/glossary/clauses/c2/lock", {
      reason: "agreed in substance",
    });
    expect(lock.status).toBe(200);
    const storedBefore = {
      c1: (await t.store.history("demo/glossary/c1")).length,
      c2: (await t.store.history("demo/glossary/c2")).length,
    };

    const delegateToken = await t.token("delegate");
    const delegate = attachDocument(multiplexedSocket(t.wsUrl, delegateToken), "demo/glossary/c2", delegateToken);
    const notices: { type: string; code?: string }[] = [];
    delegate.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
    await waitUntil(() => delegate.synced, "delegate synced");
    typeIntoLexical(delegate.document, "AFTER THE GAVEL ");
    await waitUntil(() => notices.some((n) => n.type === "refused" && n.code === "LOCKED"), "LOCKED refusal");

    const observerToken = await t.token("observer");
    const observer = attachDocument(multiplexedSocket(t.wsUrl, observerToken), "demo/glossary/c1", observerToken);
    const observed: { type: string; code?: string }[] = [];
    observer.on("stateless", ({ payload }: { payload: string }) => observed.push(JSON.parse(payload)));
    await waitUntil(() => observer.synced, "observer synced");
    typeIntoLexical(observer.document, "OBSERVER WAS HERE ");
    await waitUntil(() => observed.some((n) => n.type === "refused" && n.code === "READ_ONLY"), "READ_ONLY refusal");

    // The plain endpoint answers the same way (permission-denied with the code).
    const raw = await rawSocket(`${t.wsUrl}/y/demo/glossary/c2?token=${await t.token("secretariat")}`);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(delegate.document));
    const sv = Y.encodeStateVector(offline);
    typeIntoLexical(offline, "PLAIN ");
    raw.ws.send(encodePlain.sync({ type: "update", update: Y.encodeStateAsUpdate(offline, sv) }));
    await waitUntil(() => raw.frames.some((f) => permissionDenied(f)?.startsWith("LOCKED") === true), "denied on /y");

    const texts = (await sectionOf(t, chair)).clauses.map((c) => c.text).join("\n");
    expect(texts).not.toMatch(/AFTER THE GAVEL|OBSERVER|PLAIN/);
    expect((await t.store.history("demo/glossary/c1")).length).toBe(storedBefore.c1);
    expect((await t.store.history("demo/glossary/c2")).length).toBe(storedBefore.c2);
  });

  it("CL4 BO5 BO2 BO3: in a Lexical clause a delegate may co-sponsor another delegation's bracket but not withdraw it (BRACKET_OWNED, stored nowhere)", async () => {
    const t = await startTestServer({ editor: "lexical" });
    const token = await t.token("delegate", { delegation: "AFR" });
    const afr = attachDocument(multiplexedSocket(t.wsUrl, token), "demo/glossary/c3", token);
    const notices: { type: string; code?: string }[] = [];
    afr.on("stateless", ({ payload }: { payload: string }) => notices.push(JSON.parse(payload)));
    await waitUntil(() => afr.synced, "synced");
    const stored = (await t.store.history("demo/glossary/c3")).length;
    const [cept] = lexicalBrackets(afr.document);
    if (!cept) throw new Error("glossary c3 has CEPT's bracket in the template");
    expect(cept.bracket.by).toEqual(["CEPT"]);

    cept.state.set("bracket", null); // withdrawing CEPT's bracket
    await waitUntil(() => notices.some((n) => n.type === "refused" && n.code === "BRACKET_OWNED"), "refusal");
    expect((await t.store.history("demo/glossary/c3")).length).toBe(stored);
    const section = await sectionOf(t, token);
    expect(section.clauses.find((c) => c.id === "c3")?.brackets.map((b) => b.by)).toEqual([["CEPT"]]);

    // Its client resets its copy (a fresh one reads the server's); co-sponsoring is accepted.
    const fresh = attachDocument(multiplexedSocket(t.wsUrl, token), "demo/glossary/c3", token);
    await waitUntil(() => fresh.synced, "fresh copy synced");
    const [again] = lexicalBrackets(fresh.document);
    again?.state.set("bracket", { ...again.bracket, by: ["CEPT", "AFR"] });
    await waitUntil(() => fresh.unsyncedChanges === 0, "co-sponsoring acknowledged");
    await waitUntilAsync(
      async () => (await sectionOf(t, token)).clauses.find((c) => c.id === "c3")?.brackets[0]?.by.length === 2,
      "co-sponsor read by the server",
    );
  });

  it("CL4: the redline of a Lexical section shows a delegate's insertion with its author", async () => {
    const t = await startTestServer({ editor: "lexical" });
    const chair = await t.token("chair");
    expect((await api(t.httpUrl, chair, "POST", "/api/sessions/demo/snapshots", { label: "Rev.1" })).status).toBe(201);
    const token = await t.token("delegate", { delegation: "AFR", name: "Delegate of AFR" });
    const afr = attachDocument(multiplexedSocket(t.wsUrl, token), "demo/glossary/c1", token);
    await waitUntil(() => afr.synced, "synced");
    typeIntoLexical(afr.document, "Revised: ");
    await waitUntil(() => afr.unsyncedChanges === 0, "stored");
    const redline = await api<{
      clauses: {
        id: string;
        change: string;
        segments: { text: string; kind: string; by: { name: string } | null }[];
      }[];
    }>(t.httpUrl, chair, "GET", `${GLOSSARY}/redline?from=Rev.1`);
    expect(redline.status).toBe(200);
    const c1 = redline.body.clauses.find((c) => c.id === "c1");
    expect(c1?.change).toBe("modified");
    expect(c1?.segments[0]).toEqual({
      text: "Revised: ",
      kind: "inserted",
      by: expect.objectContaining({ name: "Delegate of AFR" }),
    });
    const now = c1?.segments
      .filter((s) => s.kind !== "deleted")
      .map((s) => s.text)
      .join("");
    expect(now).toBe((await sectionOf(t, chair)).clauses.find((c) => c.id === "c1")?.text);
    expect(redline.body.clauses.filter((c) => c.id !== "c1").every((c) => c.change === "unchanged")).toBe(true);
  });
});
