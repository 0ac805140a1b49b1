import { describe, expect, it } from "vitest";
import { type ApiSection, api } from "./support/api.ts";
import { attachDocument, multiplexedSocket } from "./support/clients.ts";
import { makeToken, startTestServer, waitUntil } from "./support/server.ts";

interface ApiError {
  error: { code: string; message: string };
}

const S = "/api/sessions/demo/sections";

describe("commands over HTTP: refusals carry the documented codes", () => {
  it("CS2 CS3 CS4 LK1 LK2 LK3 CM4 CS9 RO1: each refusal is a 4xx with its stable code, and changes nothing", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const delegate = await t.token("delegate", { delegation: "AFR" });
    const secretariat = await t.token("secretariat");
    const observer = await t.token("observer");
    const cases: [string, string, "POST" | "DELETE", string, unknown, number, string][] = [
      ["RO1 observer inserts", observer, "POST", `${S}/glossary/clauses`, { text: "x" }, 403, "FORBIDDEN"],
      [
        "CS2 delegate sets state",
        delegate,
        "POST",
        `${S}/glossary/clauses/c1/consensus`,
        { state: "agreed" },
        403,
        "FORBIDDEN",
      ],
      [
        "CS3 agreed with open brackets",
        chair,
        "POST",
        `${S}/glossary/clauses/c3/consensus`,
        { state: "agreed" },
        409,
        "OPEN_BRACKETS",
      ],
      [
        "CS4 ad ref without pending",
        chair,
        "POST",
        `${S}/glossary/clauses/c1/consensus`,
        { state: "agreed_ad_ref" },
        400,
        "PENDING_REQUIRED",
      ],
      ["LK1 secretariat locks", secretariat, "POST", `${S}/glossary/clauses/c1/lock`, {}, 403, "FORBIDDEN"],
      ["LK2 lock an open clause without reason", chair, "POST", `${S}/glossary/clauses/c1/lock`, {}, 409, "NOT_AGREED"],
      [
        "LK2 lock a locked clause",
        chair,
        "POST",
        `${S}/regional-initiatives/clauses/c1/lock`,
        {},
        409,
        "ALREADY_LOCKED",
      ],
      [
        "LK3 unlock without reason",
        chair,
        "POST",
        `${S}/regional-initiatives/clauses/c1/unlock`,
        {},
        400,
        "REASON_REQUIRED",
      ],
      [
        "LK3 unlock an unlocked clause",
        chair,
        "POST",
        `${S}/glossary/clauses/c1/unlock`,
        { reason: "x" },
        409,
        "NOT_LOCKED",
      ],
      ["CM4 delete a locked clause", chair, "DELETE", `${S}/regional-initiatives/clauses/c1`, undefined, 409, "LOCKED"],
      [
        "CS9 confirm by a delegation not pending",
        delegate,
        "POST",
        `${S}/study-group-questions/clauses/c2/confirm`,
        {},
        403,
        "FORBIDDEN",
      ],
      ["unknown clause", chair, "POST", `${S}/glossary/clauses/c99/lock`, { reason: "x" }, 404, "NOT_FOUND"],
      ["unknown section", chair, "POST", `${S}/nope/clauses/c1/lock`, { reason: "x" }, 404, "NOT_FOUND"],
      ["bad state", chair, "POST", `${S}/glossary/clauses/c1/consensus`, { state: "done" }, 400, "BAD_REQUEST"],
    ];
    const before = await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`);
    for (const [what, token, method, path, body, status, code] of cases) {
      const response = await api<ApiError>(t.httpUrl, token, method, path, body);
      expect(response.status, what).toBe(status);
      expect(response.body.error.code, what).toBe(code);
    }
    expect((await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`)).body).toEqual(before.body);
  });

  it("CS4 CS10: agreed ad referendum names delegations; each confirms for itself; the last makes it agreed", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const path = `${S}/glossary/clauses/c1`;
    expect(
      (await api(t.httpUrl, chair, "POST", `${path}/consensus`, { state: "agreed_ad_ref", pending: ["ARB", "CEPT"] }))
        .status,
    ).toBe(200);
    const arb = await makeToken("delegate", { delegation: "ARB" });
    const cept = await makeToken("delegate", { delegation: "CEPT" });
    const first = await api<{ clause: { consensus: { state: string; pending: string[] } } }>(
      t.httpUrl,
      arb,
      "POST",
      `${path}/confirm`,
    );
    expect(first.body.clause.consensus).toMatchObject({ state: "agreed_ad_ref", pending: ["CEPT"] });
    expect((await api<ApiError>(t.httpUrl, arb, "POST", `${path}/confirm`)).body.error.code).toBe("NOT_PENDING");
    const last = await api<{ clause: { consensus: { state: string } } }>(t.httpUrl, cept, "POST", `${path}/confirm`);
    expect(last.body.clause.consensus.state).toBe("agreed");
    const section = await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`);
    expect(section.body.clauses[0]?.consensus.state).toBe("agreed");
  });

  it("CM1 CM2 NB2 NB4: inserting between 3 and 4 gives 3 bis, then 3 ter; renumbering keeps the old labels findable", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const delegate = await t.token("delegate", { delegation: "CEPT" });
    const inserted = await api<{ clause: { id: string } }>(t.httpUrl, delegate, "POST", `${S}/implementation/clauses`, {
      after: "c3",
      text: "New outcome text.",
    });
    expect(inserted.status).toBe(201);
    const bis = inserted.body.clause.id;
    await api(t.httpUrl, chair, "POST", `${S}/implementation/clauses`, { after: bis, text: "Chair's text." });
    const atEnd = await api<{ clause: { id: string } }>(t.httpUrl, chair, "POST", `${S}/implementation/clauses`, {
      text: "Last.",
    });

    let section = (await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/implementation`)).body;
    expect(section.clauses.map((c) => c.number)).toEqual([
      "1",
      "2",
      "3",
      "3 bis",
      "3 ter",
      "4",
      "5",
      "6",
      "7",
      "8",
      "8 bis",
    ]);
    const proposal = section.clauses.find((c) => c.id === bis);
    // CM2: a delegate's new clause starts fully bracketed with their delegation.
    expect(proposal?.text).toBe("[New outcome text.]");
    expect(proposal?.brackets).toEqual([expect.objectContaining({ by: ["CEPT"], reason: "substantive" })]);
    expect(section.clauses.at(-1)?.id).toBe(atEnd.body.clause.id);

    expect((await api(t.httpUrl, chair, "POST", `${S}/implementation/renumber`)).status).toBe(200);
    section = (await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/implementation`)).body;
    expect(section.clauses.map((c) => c.number)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]);
    expect(section.clauses.find((c) => c.id === bis)?.formerNumbers).toEqual(["3 bis"]);
  });

  it("CM3 CM4: the chair moves and deletes clauses; the structure follows; a deleted clause's id is never reused", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    expect((await api(t.httpUrl, chair, "POST", `${S}/glossary/clauses/c4/move`, { after: null })).status).toBe(200);
    expect((await api(t.httpUrl, chair, "DELETE", `${S}/glossary/clauses/c2`)).status).toBe(200);
    let section = (await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`)).body;
    expect(section.clauses.map((c) => c.id)).toEqual(["c4", "c1", "c3"]);
    // NB1: a move keeps numbers until renumbering.
    expect(section.clauses.map((c) => c.number)).toEqual(["4", "1", "3"]);

    // c4's document keeps its history: a new clause must not take its name and inherit its text.
    expect((await api(t.httpUrl, chair, "DELETE", `${S}/glossary/clauses/c4`)).status).toBe(200);
    const added = await api<{ clause: { id: string } }>(t.httpUrl, chair, "POST", `${S}/glossary/clauses`, {
      text: "Fresh.",
    });
    expect(added.body.clause.id).toBe("c5");
    section = (await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`)).body;
    expect(section.clauses.map((c) => [c.id, c.text])).toEqual([
      ["c1", expect.any(String)],
      ["c3", expect.any(String)],
      ["c5", "Fresh."],
    ]);
  });

  it("the same commands travel as stateless messages on the multiplexed socket, answered by id", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const delegate = await t.token("delegate");
    const index = attachDocument(multiplexedSocket(t.wsUrl, chair), "demo/glossary", chair);
    const asDelegate = attachDocument(multiplexedSocket(t.wsUrl, delegate), "demo/glossary", delegate);
    const answers: Record<string, unknown>[] = [];
    index.on("stateless", ({ payload }: { payload: string }) => answers.push(JSON.parse(payload)));
    asDelegate.on("stateless", ({ payload }: { payload: string }) => answers.push(JSON.parse(payload)));
    await waitUntil(() => index.synced && asDelegate.synced, "synced");

    index.sendStateless(
      JSON.stringify({
        type: "command",
        id: "r1",
        command: { type: "lock", section: "glossary", clause: "c2", reason: "settled in the corridor" },
      }),
    );
    asDelegate.sendStateless(
      JSON.stringify({ type: "command", id: "r2", command: { type: "renumber", section: "glossary" } }),
    );
    index.sendStateless("not json");
    await waitUntil(() => answers.filter((a) => a.type === "commandResult").length === 3, "three answers");
    const byId = (id: string | null) => answers.find((a) => a.type === "commandResult" && a.id === id);
    expect(byId("r1")).toMatchObject({
      ok: true,
      result: { clause: { id: "c2", lock: { reason: "settled in the corridor" } } },
    });
    expect(byId("r2")).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(byId(null)).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    // The index the clients hold follows the command.
    await waitUntil(() => {
      const entry = index.document.getMap("clauses").get("c2") as { lock: unknown } | undefined;
      return entry?.lock != null;
    }, "the lock reached the index");
  });
});

describe("commands under concurrency", () => {
  it("CM1: concurrent inserts get distinct ids and keep their own text; RO1 comes before any lookup", async () => {
    const t = await startTestServer();
    const chair = await t.token("chair");
    const delegate = await t.token("delegate", { delegation: "ARB" });
    const [a, b] = await Promise.all([
      api<{ clause: { id: string } }>(t.httpUrl, chair, "POST", `${S}/glossary/clauses`, {
        after: "c1",
        text: "from the chair",
      }),
      api<{ clause: { id: string } }>(t.httpUrl, delegate, "POST", `${S}/glossary/clauses`, {
        after: "c1",
        text: "from ARB",
      }),
    ]);
    expect(a.body.clause.id).not.toBe(b.body.clause.id);
    const section = (await api<ApiSection>(t.httpUrl, chair, "GET", `${S}/glossary`)).body;
    const texts = Object.fromEntries(section.clauses.map((c) => [c.id, c.text]));
    expect(texts[a.body.clause.id]).toBe("from the chair");
    expect(texts[b.body.clause.id]).toBe("[from ARB]");
    expect(new Set(section.clauses.map((c) => c.id)).size).toBe(section.clauses.length);

    // An observer's command on a clause that does not exist: FORBIDDEN, and no empty copy of
    // that clause is left in memory to shadow a later insert.
    const observer = await t.token("observer");
    const refused = await api<ApiError>(t.httpUrl, observer, "POST", `${S}/glossary/clauses/c9/unlock`, {
      reason: "x",
    });
    expect(refused.body.error.code).toBe("FORBIDDEN");
    expect(
      (await api<ApiError>(t.httpUrl, chair, "POST", `${S}/glossary/clauses/c9/unlock`, { reason: "x" })).body.error
        .code,
    ).toBe("NOT_FOUND");
    expect(t.server.registry.isLoaded("demo/glossary/c9")).toBe(false);
  });
});
