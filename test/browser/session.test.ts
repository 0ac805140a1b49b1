import { readFileSync } from "node:fs";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { launchBrowser, openRoom, screenshot } from "../support/browser.ts";
import { startTestServer, waitUntilAsync } from "../support/server.ts";
import {
  actionButton,
  clauseOf,
  clauseReady,
  clickAtEnd,
  cursorIn,
  EDITORS,
  selectText,
  serverClause,
  serverText,
  shotOf,
} from "./roomPage.ts";

/**
 * A whole sitting of a drafting group on one section, as people do it: two delegations, the
 * chair, an observer and the projector.
 */
describe("a full session in the room", () => {
  it.each(EDITORS)(
    "(%s) bracket, co-sponsor, alternative, withdraw, propose, take up, ad referendum, confirm, lock while someone types, unlock with a reason, renumber, Rev.1, the redline against Rev.1, and an export of Rev.1",
    async (editor) => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chairToken = await t.token("chair", { name: "Chair" });
      const section = "structure-enablers";
      const open = async (token: string, view?: string) =>
        openRoom(browser, t.httpUrl, token, { section, ...(view ? { view } : {}) });
      const chair = await open(chairToken);
      const afr = await open(await t.token("delegate", { name: "Ana", delegation: "AFR" }));
      const cept = await open(await t.token("delegate", { name: "Ben", delegation: "CEPT" }));
      const observer = await open(await t.token("observer", { name: "Olga" }));
      const projector = await open(await t.token("observer", { name: "Projector" }), "projector");
      const pages = [chair, afr, cept, observer, projector];
      await Promise.all(pages.map((r) => clauseReady(r.page, "c1")));
      const text = (clause: string) => serverText(t.httpUrl, chairToken, section, clause);

      // AFR brackets, CEPT co-sponsors and adds an alternative, then withdraws from the first.
      await selectText(afr.page, "c1", "international cooperation");
      await actionButton(afr.page, "bracket").click();
      await clauseOf(cept.page, "c1").locator(".proposers", { hasText: "AFR" }).waitFor();
      await cursorIn(cept.page, "c1", "international cooperation");
      await actionButton(cept.page, "cosponsor").click();
      await cursorIn(cept.page, "c1", "international cooperation");
      await actionButton(cept.page, "alternative").click();
      await cept.page.keyboard.type("global cooperation", { delay: 20 });
      await waitUntilAsync(
        async () => (await text("c1")).includes("[international cooperation][global cooperation]"),
        "the alternative is stored",
      );
      await cursorIn(cept.page, "c1", "international cooperation");
      await actionButton(cept.page, "withdraw").click();
      await waitUntilAsync(
        async () => (await serverClause(t.httpUrl, chairToken, section, "c1")).brackets[0]?.by.join() === "AFR",
        "CEPT withdrew",
      );

      // AFR proposes a clause after clause 2 and types it.
      await clauseOf(afr.page, "c2").locator("button.number").click();
      await actionButton(afr.page, "propose").click();
      await waitUntilAsync(async () => (await afr.page.locator("article.clause").count()) === 4, "the proposed clause");
      const proposed = (await afr.page.locator("article.clause").nth(2).getAttribute("data-clause")) ?? "";
      await afr.page.waitForFunction(
        (id) => document.activeElement?.closest("article")?.getAttribute("data-clause") === id,
        proposed,
      );
      await afr.page.keyboard.type("Enablers shall be reviewed at mid-term.", { delay: 15 });
      await waitUntilAsync(
        async () => (await text(proposed)) === "[Enablers shall be reviewed at mid-term.]",
        "proposal",
      );

      // The chair takes clause 2 up, sets it agreed ad referendum pending CEPT; CEPT confirms.
      await clauseOf(chair.page, "c2").locator("button.number").click();
      await actionButton(chair.page, "take-up").click();
      await clauseOf(projector.page, "c2").locator(".taken-up").waitFor();
      await clauseOf(observer.page, "c2").locator(".taken-up").waitFor();
      await chair.page.locator('.toolbar [data-field="state"]').selectOption("agreed_ad_ref");
      await chair.page.locator('.toolbar [data-field="pending"]').fill("CEPT");
      await actionButton(chair.page, "set-state").click();
      await clauseOf(cept.page, "c2").locator('[data-action="confirm"]').click();
      await clauseOf(observer.page, "c2").locator('.state-badge[data-state="agreed"]').waitFor();

      // The chair locks clause 2 while AFR types in it; then unlocks it with a reason.
      await clickAtEnd(afr.page, "c2");
      const typing = afr.page.keyboard.type(" typed while the gavel falls", { delay: 30 });
      await chair.page.locator('.toolbar [data-field="reason"]').fill("");
      await actionButton(chair.page, "lock").click();
      await typing;
      await clauseOf(afr.page, "c2").locator('[role="textbox"][contenteditable="false"]').waitFor();
      const locked = await text("c2");
      await chair.page.locator('.toolbar [data-field="reason"]').fill("CEPT asked to add a footnote");
      await actionButton(chair.page, "unlock").click();
      await clauseOf(afr.page, "c2").locator('[role="textbox"][contenteditable="true"]').waitFor();
      expect(await text("c2")).toBe(locked);

      // Renumber, take Rev.1, then change the text once more.
      await chair.page.locator('[data-action="renumber"]').click();
      await clauseOf(chair.page, proposed).locator("button.number", { hasText: /^3$/ }).waitFor();
      await clauseOf(chair.page, proposed).locator(".former", { hasText: "2 bis" }).waitFor();
      await chair.page.locator("#snapshot-label").fill("Rev.1");
      await chair.page.locator('[data-action="snapshot"]').click();
      await chair.page.locator(".section-tools .group-status", { hasText: "Rev.1 taken" }).waitFor();
      await clickAtEnd(cept.page, "c1");
      await cept.page.keyboard.type(" Added after Rev.1.", { delay: 15 });
      await waitUntilAsync(async () => (await text("c1")).endsWith("Added after Rev.1."), "the edit after Rev.1");

      // The redline against Rev.1 shows CEPT's insertion, coloured and attributed.
      // Opening the list re-reads the revisions (taken on the chair's screen).
      await observer.page.locator('[data-field="redline-from"]').focus();
      await observer.page.locator('[data-field="redline-from"]').selectOption("Rev.1");
      const inserted = observer.page.locator('.redline li[data-clause="c1"] ins[data-by="CEPT"]');
      await inserted.waitFor();
      expect(await inserted.textContent()).toContain("Added after Rev.1.");
      await screenshot(observer.page, shotOf("redline", editor));

      // Rev.1 exported as Word: it has the text of that instant, not the later edit.
      await chair.page.locator('[data-field="export-revision"]').selectOption("Rev.1");
      const download = chair.page.waitForEvent("download");
      await chair.page.locator('[data-action="export"]').click();
      const file = await (await download).path();
      const documentXml = strFromU8(unzipSync(readFileSync(file))["word/document.xml"] ?? new Uint8Array());
      expect(documentXml).toContain("Enablers shall be reviewed at mid-term.");
      expect(documentXml).not.toContain("Added after Rev.1.");
      await screenshot(chair.page, shotOf("chair-session", editor));
      for (const r of pages) expect(r.errors).toEqual([]);
    },
  );
});
