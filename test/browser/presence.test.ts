import { describe, expect, it } from "vitest";
import { launchBrowser, openRoom } from "../support/browser.ts";
import { startTestServer } from "../support/server.ts";
import { clauseReady, editorOf } from "./roomPage.ts";

describe("presence in the room", () => {
  it("someone who joins late sees at once who is in the room and in which clause (the server tells a new document its presence)", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const open = async (name: string, delegation: string | null, role: "chair" | "delegate") =>
      openRoom(browser, t.httpUrl, await t.token(role, { name, delegation }), { section: "introduction" });
    const chair = await open("Chair", null, "chair");
    const cept = await open("Ben", "CEPT", "delegate");
    await Promise.all([clauseReady(chair.page, "c1"), clauseReady(cept.page, "c2")]);
    await editorOf(cept.page, "c2").click();
    await cept.page.waitForTimeout(300);

    const afr = await open("Ana", "AFR", "delegate");
    // Awareness is re-sent only every 15 s: seeing both as soon as the room has loaded means the
    // server told the newcomer.
    await clauseReady(afr.page, "c1");
    const listed = afr.page.locator("#presence li:not(.self)");
    await listed.filter({ hasText: "Ben (CEPT)" }).filter({ hasText: "clause 2" }).waitFor({ timeout: 1500 });
    await listed.filter({ hasText: "Chair" }).waitFor({ timeout: 1500 });
    expect(await listed.count()).toBe(2);
    expect(afr.errors).toEqual([]);
  });
});
