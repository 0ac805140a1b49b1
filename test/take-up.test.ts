import { describe, expect, it } from "vitest";
import { api } from "./support/api.ts";
import { attachDocument, multiplexedSocket } from "./support/clients.ts";
import { startTestServer, waitUntil } from "./support/server.ts";

const S = "/api/sessions/demo/sections";

interface TakenUp {
  clause: string;
  sub: string;
  name: string;
  at: string;
}

interface Result {
  command?: string;
  clause?: { id: string } | null;
  takenUp?: TakenUp | null;
  error?: { code: string };
}

describe("take up", () => {
  it("TU1: the chair takes up a clause over HTTP; the section API, the index document and the audit trail show it; null clears", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair", { name: "Chair Amina", sub: "u-chair" });
    const index = attachDocument(multiplexedSocket(t.wsUrl, chair), "demo/introduction", chair);
    await waitUntil(() => index.synced, "index synced");

    const taken = await api<Result>(t.httpUrl, chair, "POST", `${S}/introduction/take-up`, { clause: "c2" });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({
      command: "takeUp",
      clause: { id: "c2" },
      takenUp: { clause: "c2", sub: "u-chair", name: "Chair Amina" },
    });
    expect(Date.parse(taken.body.takenUp?.at ?? "")).not.toBeNaN();
    const section = await api<{ takenUp: TakenUp | null }>(t.httpUrl, chair, "GET", `${S}/introduction`);
    expect(section.body.takenUp).toEqual(taken.body.takenUp);
    const summary = await api<{ sections: { id: string; takenUp: TakenUp | null }[] }>(
      t.httpUrl,
      chair,
      "GET",
      "/api/sessions/demo",
    );
    expect(summary.body.sections.find((s) => s.id === "introduction")?.takenUp?.clause).toBe("c2");
    // Everyone following the section index sees it (the room and the projector).
    await waitUntil(
      () => (index.document.getMap("meta").get("takenUp") as TakenUp | null)?.clause === "c2",
      "takenUp reached the index",
    );
    const events = await api<{ events: { kind: string; command?: unknown; actor: { name: string } }[] }>(
      t.httpUrl,
      chair,
      "GET",
      "/api/sessions/demo/events?section=introduction&clause=c2",
    );
    expect(events.body.events.filter((e) => e.kind === "command").at(-1)).toMatchObject({
      command: { type: "takeUp", section: "introduction", clause: "c2" },
      actor: { name: "Chair Amina" },
    });

    const cleared = await api<Result>(t.httpUrl, chair, "POST", `${S}/introduction/take-up`, { clause: null });
    expect(cleared.body).toMatchObject({ command: "takeUp", clause: null, takenUp: null });
    expect((await api<{ takenUp: unknown }>(t.httpUrl, chair, "GET", `${S}/introduction`)).body.takenUp).toBeNull();
    await waitUntil(() => index.document.getMap("meta").get("takenUp") === null, "cleared in the index");
  });

  it("TU1: only the chair and the secretariat take up (FORBIDDEN, RO1); the clause must exist (NOT_FOUND); the body is checked (BAD_REQUEST)", async () => {
    const t = await startTestServer();
    const cases: [string, string, unknown, number, string][] = [
      ["delegate", await t.token("delegate"), { clause: "c1" }, 403, "FORBIDDEN"],
      ["observer", await t.token("observer"), { clause: "c1" }, 403, "FORBIDDEN"],
      ["unknown clause", await t.token("secretariat"), { clause: "c9" }, 404, "NOT_FOUND"],
      ["missing clause", await t.token("chair"), {}, 400, "BAD_REQUEST"],
      ["object", await t.token("chair"), { clause: { id: "c1" } }, 400, "BAD_REQUEST"],
    ];
    for (const [what, token, body, status, code] of cases) {
      const answer = await api<Result>(t.httpUrl, token, "POST", `${S}/glossary/take-up`, body);
      expect([answer.status, answer.body.error?.code], what).toEqual([status, code]);
    }
    const secretariat = await t.token("secretariat");
    expect((await api(t.httpUrl, secretariat, "POST", `${S}/glossary/take-up`, { clause: "c1" })).status).toBe(200);
    const section = await api<{ takenUp: TakenUp | null }>(t.httpUrl, secretariat, "GET", `${S}/glossary`);
    expect(section.body.takenUp?.clause).toBe("c1");
  });

  it("TU1: takeUp travels on /collab as a stateless command, and deleting the clause taken up clears the mark", async () => {
    const t = await startTestServer();
    const secretariat = await t.token("secretariat");
    const delegate = await t.token("delegate");
    const index = attachDocument(multiplexedSocket(t.wsUrl, secretariat), "demo/glossary", secretariat);
    const asDelegate = attachDocument(multiplexedSocket(t.wsUrl, delegate), "demo/glossary", delegate);
    const answers: { type: string; id: string | null; ok: boolean; result?: Result; error?: { code: string } }[] = [];
    for (const p of [index, asDelegate])
      p.on("stateless", ({ payload }: { payload: string }) => answers.push(JSON.parse(payload)));
    await waitUntil(() => index.synced && asDelegate.synced, "synced");
    const send = (provider: typeof index, id: string, command: object) =>
      provider.sendStateless(JSON.stringify({ type: "command", id, command }));

    send(index, "t1", { type: "takeUp", section: "glossary", clause: "c4" });
    send(asDelegate, "t2", { type: "takeUp", section: "glossary", clause: "c1" });
    send(index, "t3", { type: "takeUp", section: "glossary" });
    await waitUntil(() => answers.filter((a) => a.type === "commandResult").length === 3, "three answers");
    const byId = (id: string) => answers.find((a) => a.id === id);
    expect(byId("t1")).toMatchObject({ ok: true, result: { takenUp: { clause: "c4" } } });
    expect(byId("t2")).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(byId("t3")).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });

    const deleted = await api(t.httpUrl, secretariat, "DELETE", `${S}/glossary/clauses/c4`);
    expect(deleted.status).toBe(200);
    expect((await api<{ takenUp: unknown }>(t.httpUrl, secretariat, "GET", `${S}/glossary`)).body.takenUp).toBeNull();
    await waitUntil(() => index.document.getMap("meta").get("takenUp") === null, "cleared in the index");
  });
});
