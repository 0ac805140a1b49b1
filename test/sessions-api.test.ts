import { prosemirrorLayout, TEMPLATES } from "@gavel/model";
import { describe, expect, it } from "vitest";
import { SERVER_AUTHOR } from "../server/src/core/SessionService.ts";
import { seedRecords } from "../server/src/core/seedSession.ts";
import { clauseText, plainClient } from "./support/clients.ts";
import { makeToken, startTestServer, waitUntil } from "./support/server.ts";

interface ApiError {
  error: { code: string; message: string };
}

describe("sessions over HTTP", () => {
  it("a chair creates a session from the WTDC template; its sections and clauses read back", async () => {
    const t = await startTestServer();
    const chair = await makeToken("chair", { session: "wtdc-dg1" });
    const post = (body: unknown, token = chair) =>
      fetch(`${t.httpUrl}/api/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const created = await post({ id: "wtdc-dg1", title: "Drafting group 1", template: "wtdc-action-plan" });
    expect(created.status).toBe(201);
    const summary = (await created.json()) as { title: string; sections: { id: string; clauses: number }[] };
    expect(summary.title).toBe("Drafting group 1");
    const template = TEMPLATES["wtdc-action-plan"];
    expect(summary.sections).toMatchObject(
      template.sections.map((s) => ({ id: s.id, title: s.title, clauses: s.clauses.length })),
    );

    const section = (await (
      await fetch(`${t.httpUrl}/api/sessions/wtdc-dg1/sections/implementation`, {
        headers: { authorization: `Bearer ${chair}` },
      })
    ).json()) as { clauses: { id: string; number: string; text: string }[] };
    expect(section.clauses.map((c) => c.number)).toEqual(section.clauses.map((_, i) => String(i + 1)));
    expect(section.clauses.some((c) => /\[[^\]]+\]\[[^\]]+\]/.test(c.text) || c.text.includes("["))).toBe(true);

    // The text over HTTP is the text a stock client syncs.
    const client = plainClient(
      t.wsUrl,
      "wtdc-dg1/implementation/c2",
      await makeToken("delegate", { session: "wtdc-dg1" }),
    );
    await waitUntil(() => client.provider.synced, "synced");
    expect(clauseText(client.doc)).toBe(section.clauses.find((c) => c.id === "c2")?.text);

    const refusals: [unknown, string, number, string][] = [
      [{ id: "wtdc-dg1", template: "empty" }, chair, 409, "SESSION_EXISTS"],
      [{ id: "dg2", template: "empty" }, await makeToken("delegate", { session: "dg2" }), 403, "FORBIDDEN"],
      [{ id: "dg2", template: "empty" }, await makeToken("chair", { session: "dg3" }), 403, "WRONG_SESSION"],
      [{ id: "dg2", template: "nope" }, await makeToken("chair", { session: "dg2" }), 400, "UNKNOWN_TEMPLATE"],
      [{ id: "DG 2", template: "empty" }, await makeToken("chair", { session: "dg2" }), 400, "INVALID_NAME"],
      [{ template: "empty" }, await makeToken("chair", { session: "dg2" }), 400, "BAD_REQUEST"],
    ];
    for (const [body, token, status, code] of refusals) {
      const response = await post(body, token);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(((await response.json()) as ApiError).error.code).toBe(code);
    }
    const secretariat = await makeToken("secretariat", { session: "dg2" });
    expect((await post({ id: "dg2", template: "empty" }, secretariat)).status).toBe(201);
  });

  it("two concurrent creations of one id: one succeeds, the other is 409 and seeds nothing", async () => {
    const t = await startTestServer();
    const chair = await makeToken("chair", { session: "race" });
    const create = () =>
      fetch(`${t.httpUrl}/api/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${chair}`, "content-type": "application/json" },
        body: JSON.stringify({ id: "race", template: "empty" }),
      });
    const statuses = (await Promise.all([create(), create()])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    expect(await t.store.history("race/main/c1")).toHaveLength(1);
    expect(await t.store.history("race/main")).toHaveLength(1);
  });

  it("unknown sessions and sections are 404 with a stable code", async () => {
    const t = await startTestServer();
    const token = await t.token("chair");
    const response = await fetch(`${t.httpUrl}/api/sessions/demo/sections/nope`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ApiError).error.code).toBe("NOT_FOUND");
  });
});

describe("session creation after a crash", () => {
  it("documents seeded before a crash are not seeded twice: only the missing session record is written", async () => {
    const t = await startTestServer();
    // What a creation interrupted between seeding and the session record leaves in the store.
    await t.store.append(seedRecords("crashy", TEMPLATES.empty, SERVER_AUTHOR, Date.now(), prosemirrorLayout));
    expect(await t.server.sessions.ensureSession("crashy", "empty")).toBe(true);
    expect(await t.store.history("crashy/main/c1")).toHaveLength(1);
    expect(await t.store.history("crashy/main")).toHaveLength(1);
    const chair = await makeToken("chair", { session: "crashy" });
    const section = await fetch(`${t.httpUrl}/api/sessions/crashy/sections/main`, {
      headers: { authorization: `Bearer ${chair}` },
    });
    expect(((await section.json()) as { clauses: unknown[] }).clauses).toHaveLength(1);
  });
});
