import { describe, expect, it } from "vitest";
import { type ApiSection, api } from "../support/api.ts";
import { launchBrowser, openRoom, screenshot } from "../support/browser.ts";
import { startTestServer, waitUntilAsync } from "../support/server.ts";
import {
  actionButton,
  clauseOf,
  clauseReady,
  clickAtEnd,
  EDITORS,
  editorOf,
  serverClause,
  serverText,
  shotOf,
  shownText,
} from "./roomPage.ts";

describe("the chair's console", () => {
  it("the chair sets agreed ad referendum pending a delegation from the screen; that delegation confirms from its own screen; the clause becomes agreed", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chairToken = await t.token("chair", { name: "Chair" });
    const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "glossary" });
    const afr = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ana", delegation: "AFR" }), {
      section: "glossary",
    });
    await Promise.all([clauseReady(chair.page, "c4"), clauseReady(afr.page, "c4")]);

    await clauseOf(chair.page, "c4").locator("button.number").click();
    const state = chair.page.locator('.toolbar [data-field="state"]');
    await state.selectOption("agreed_ad_ref");
    // Moving through the console's fields must not reset the chosen state.
    await chair.page.locator('.toolbar [data-field="pending"]').click();
    // Typed in lower case: the room spells it as the delegation in the room does (AFR), or AFR's
    // delegate could never confirm it.
    await chair.page.keyboard.type("afr");
    await chair.page.locator('.toolbar [data-field="reason"]').click();
    expect(await state.inputValue()).toBe("agreed_ad_ref");
    await actionButton(chair.page, "set-state").click();
    await chair.page.locator(".group-chair .group-status", { hasText: "agreed ad referendum, pending AFR." }).waitFor();
    // That result is about clause 4: it does not stand under another clause's heading.
    await clauseOf(chair.page, "c3").locator("button.number").click();
    await chair.page.locator(".group-chair .group-status", { hasText: "pending AFR." }).waitFor({ state: "hidden" });
    // Hidden, it is not read out as the description of the chair's buttons either.
    expect((await chair.page.locator(".group-chair .group-status").textContent())?.trim()).toBe("");
    await clauseOf(chair.page, "c4").locator("button.number").click();
    await chair.page.locator(".group-chair .group-status", { hasText: "pending AFR." }).waitFor();
    expect(await serverClause(t.httpUrl, chairToken, "glossary", "c4")).toMatchObject({
      consensus: { state: "agreed_ad_ref", pending: ["AFR"] },
    });

    const confirm = clauseOf(afr.page, "c4").locator('[data-action="confirm"]');
    await confirm.waitFor();
    expect(await confirm.textContent()).toBe("Confirm for AFR");
    await confirm.click();
    await clauseOf(chair.page, "c4")
      .locator('.state-badge[data-state="agreed"]', { hasText: "confirmed by AFR" })
      .waitFor();
    await clauseOf(afr.page, "c4").locator('.state-badge[data-state="agreed"]').waitFor();
    expect((await serverClause(t.httpUrl, chairToken, "glossary", "c4")).consensus.state).toBe("agreed");
    // The console follows: it now says agreed, so a second click cannot send the old state.
    await chair.page.waitForFunction(
      () => (document.querySelector('.toolbar [data-field="state"]') as HTMLSelectElement | null)?.value === "agreed",
    );
    expect(await chair.page.locator('.toolbar [data-field="pending"]').count()).toBe(0);
    expect(chair.errors).toEqual([]);
    expect(afr.errors).toEqual([]);
  });

  describe.each(EDITORS)("lock while typing (%s)", (editor) => {
    it("the chair locks the clause a delegate is typing in: read-only at once with the reason shown; typing changes nothing; unlocking with a reason makes it writable again", async () => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chairToken = await t.token("chair", { name: "Chair" });
      const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "implementation" });
      // A short window: the section scrolls, so a key that reached the page would move it.
      const delegate = await openRoom(browser, t.httpUrl, await t.token("delegate"), {
        section: "implementation",
        viewport: { width: 1000, height: 500 },
      });
      await Promise.all([clauseReady(chair.page, "c2"), clauseReady(delegate.page, "c2")]);
      await clickAtEnd(delegate.page, "c2");
      const scrolledBefore = await delegate.page.evaluate(() => window.scrollY);
      const typing = delegate.page.keyboard.type(
        " and more and more text typed while the chair gavels, and the delegate keeps typing words and spaces",
        { delay: 25 },
      );
      await clauseOf(chair.page, "c2").locator("button.number").click();
      await chair.page.locator('.toolbar [data-field="reason"]').fill("agreed in the room");
      await actionButton(chair.page, "lock").click();
      await typing;
      // The keys typed after the lock stayed in the clause: no space scrolled the page away (one
      // would move it by most of the window), and the delegate is told why nothing happens.
      expect(Math.abs((await delegate.page.evaluate(() => window.scrollY)) - scrolledBefore)).toBeLessThan(150);
      expect(await delegate.page.evaluate(() => document.activeElement?.closest("article")?.dataset.clause)).toBe("c2");
      // The room's own notice, not the server's refusal of an edit sent before the lock landed
      // ("Your edit to clause 2 was not accepted: The clause is locked…").
      await delegate.page
        .locator(".notice-log li", { hasText: "The clause is locked; the chair must unlock it first." })
        .filter({ hasNotText: "was not accepted" })
        .waitFor();

      await clauseOf(delegate.page, "c2").locator('[role="textbox"][contenteditable="false"]').waitFor();
      await clauseOf(delegate.page, "c2").locator(".lock-mark", { hasText: "agreed in the room" }).waitFor();
      await waitUntilAsync(async () => {
        const server = await serverText(t.httpUrl, chairToken, "implementation", "c2");
        return (await shownText(delegate.page, "c2")) === server && (await shownText(chair.page, "c2")) === server;
      }, "every page shows the server's text");
      const locked = await serverText(t.httpUrl, chairToken, "implementation", "c2");
      // The delegate goes to another clause, then clicks back into the locked one: the focus
      // comes with the click (the read-only editor does not take it, nor may it fall to the page).
      await clickAtEnd(delegate.page, "c1");
      await editorOf(delegate.page, "c2").click({ force: true });
      expect(await delegate.page.evaluate(() => document.activeElement?.closest("article")?.dataset.clause)).toBe("c2");
      await delegate.page.keyboard.type("ignored");
      await delegate.page.waitForTimeout(300);
      expect(await shownText(delegate.page, "c2")).toBe(locked);
      expect(await serverText(t.httpUrl, chairToken, "implementation", "c2")).toBe(locked);
      await screenshot(chair.page, shotOf("chair-section", editor));

      // Unlock needs a reason; the delegate writes again without reloading.
      await chair.page.locator('.toolbar [data-field="reason"]').fill("");
      await actionButton(chair.page, "unlock").click({ force: true });
      await chair.page.locator(".group-chair .group-status", { hasText: "Give a reason" }).waitFor();
      await chair.page.locator('.toolbar [data-field="reason"]').fill("a delegation asked to reopen it");
      await actionButton(chair.page, "unlock").click();
      await clauseOf(delegate.page, "c2").locator('[role="textbox"][contenteditable="true"]').waitFor();
      // The focus is still on the clause, where the click into its locked text put it: typing
      // goes into the editor again without another click, not one key lost.
      expect(await delegate.page.evaluate(() => document.activeElement?.closest("article")?.dataset.clause)).toBe("c2");
      await delegate.page.keyboard.type("again ");
      await waitUntilAsync(async () => {
        const text = await serverText(t.httpUrl, chairToken, "implementation", "c2");
        return text.length === locked.length + 6 && text.includes("again ");
      }, "the keys typed at the clause after the unlock are in the editor and stored, all of them");
      const retyped = await serverText(t.httpUrl, chairToken, "implementation", "c2");
      await clickAtEnd(delegate.page, "c2");
      await delegate.page.keyboard.type(" reopened");
      await waitUntilAsync(
        async () => (await serverText(t.httpUrl, chairToken, "implementation", "c2")) === `${retyped} reopened`,
        "the delegate's edit after the unlock is stored",
      );
      // The history in the room tells why it was locked and unlocked.
      await clauseOf(chair.page, "c2").locator(".clause-history summary").click();
      await clauseOf(chair.page, "c2").locator(".clause-history li", { hasText: "agreed in the room" }).waitFor();
      await clauseOf(chair.page, "c2")
        .locator(".clause-history li", { hasText: "a delegation asked to reopen it" })
        .waitFor();
      expect(delegate.errors).toEqual([]);
      expect(chair.errors).toEqual([]);
    });
  });

  it("take up: the clause under discussion is marked for everyone, and the projector follows it across sections in large type", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chair = await openRoom(browser, t.httpUrl, await t.token("chair"), { section: "thematic-priority-4" });
    const projector = await openRoom(browser, t.httpUrl, await t.token("observer"), {
      view: "projector",
      section: "introduction",
      viewport: { width: 1920, height: 1080 },
    });
    await clauseReady(chair.page, "c2");
    await clauseOf(chair.page, "c2").locator("button.number").click();
    await actionButton(chair.page, "take-up").click();
    // The projector moves to the section of the clause taken up and highlights it.
    await projector.page.locator('article[data-clause="c2"].under-discussion').waitFor();
    expect(await projector.page.locator("#section-title").textContent()).toContain("Cybersecurity");
    await projector.page.locator(".discussion-banner", { hasText: "2" }).waitFor();
    const sizes = await projector.page.evaluate(() => {
      const px = (selector: string) =>
        Number.parseFloat(getComputedStyle(document.querySelector(selector) as Element).fontSize);
      return {
        number: px('article[data-clause="c2"] .number'),
        state: px('article[data-clause="c2"] .state-badge'),
        proposers: px('article[data-clause="c2"] .proposers'),
        banner: px(".discussion-banner"),
        text: px('article[data-clause="c2"] [role="textbox"]'),
      };
    });
    for (const [what, size] of Object.entries(sizes)) expect(size, what).toBeGreaterThanOrEqual(28);
    expect(await projector.page.locator("nav#sections").count()).toBe(0);
    // The skip link stays wholly out of sight until it has the focus, even at the projector's size.
    const skip = await projector.page.locator(".skip-link").boundingBox();
    expect((skip?.y ?? 0) + (skip?.height ?? 0)).toBeLessThanOrEqual(0);
    await screenshot(projector.page, "projector");
    expect(projector.errors).toEqual([]);
  });

  it("the delete question is about the clause it was asked for: selecting another clause withdraws it, and Yes deletes the one named", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chairToken = await t.token("chair", { name: "Chair" });
    const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "glossary" });
    await clauseReady(chair.page, "c4");
    await clauseOf(chair.page, "c3").locator("button.number").click();
    await actionButton(chair.page, "delete").click();
    await chair.page.locator(".group-clause .group-status", { hasText: "Delete clause 3?" }).waitFor();
    await clauseOf(chair.page, "c1").locator("button.number").click();
    expect(await chair.page.locator('[data-action="delete-confirm"]').count()).toBe(0);
    await clauseOf(chair.page, "c4").locator("button.number").click();
    await actionButton(chair.page, "delete").click();
    await chair.page.locator(".group-clause .group-status", { hasText: "Delete clause 4?" }).waitFor();
    await chair.page.locator('[data-action="delete-confirm"]').click();
    await clauseOf(chair.page, "c4").waitFor({ state: "detached" });
    // The result of a deletion is about no clause left: it stays in sight whatever is selected.
    const deleted = chair.page.locator(".group-clause .group-status", { hasText: "Clause 4 deleted." });
    await deleted.waitFor();
    await clauseOf(chair.page, "c1").locator("button.number").click();
    expect(await deleted.isVisible()).toBe(true);
    const { body } = await api<ApiSection>(t.httpUrl, chairToken, "GET", "/api/sessions/demo/sections/glossary");
    expect(body.clauses.map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
    // An open clause is locked only with a reason: the toolbar says so once, before asking the
    // server (which would refuse it, LK2).
    await clauseOf(chair.page, "c1").locator("button.number").click();
    await actionButton(chair.page, "lock").click({ force: true });
    const status = chair.page.locator(".group-chair .group-status");
    await status.filter({ hasText: "Give a reason" }).waitFor();
    expect(await status.textContent()).toBe("Give a reason to lock a clause that is not agreed (LK2).");
    expect((await serverClause(t.httpUrl, chairToken, "glossary", "c1")).locked).toBeNull();
    // After a lock, the reason field is empty again: it cannot unlock with the lock's reason.
    await chair.page.locator('.toolbar [data-field="reason"]').fill("parked");
    await actionButton(chair.page, "lock").click();
    await clauseOf(chair.page, "c1").locator(".lock-mark").waitFor();
    // The field is cleared when the command's answer arrives, which may come just after the
    // index update that shows the lock.
    await chair.page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('.toolbar [data-field="reason"]')?.value === "",
      undefined,
      { timeout: 5_000 },
    );
    expect(await actionButton(chair.page, "unlock").getAttribute("aria-disabled")).toBe("true");
    expect(chair.errors).toEqual([]);
  });

  it("one clause is under discussion in the whole session: taking one up in another section releases the first", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chairToken = await t.token("chair", { name: "Chair" });
    const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "glossary" });
    await clauseReady(chair.page, "c2");
    await clauseOf(chair.page, "c2").locator("button.number").click();
    await actionButton(chair.page, "take-up").click();
    await clauseOf(chair.page, "c2").locator(".taken-up").waitFor();
    await chair.page.goto(`${chair.page.url().split("#")[0]}#introduction`);
    await clauseReady(chair.page, "c3");
    await clauseOf(chair.page, "c3").locator("button.number").click();
    await actionButton(chair.page, "take-up").click();
    await clauseOf(chair.page, "c3").locator(".taken-up").waitFor();
    const takenUp = async (section: string) =>
      (
        await api<{ takenUp: { clause: string } | null }>(
          t.httpUrl,
          chairToken,
          "GET",
          `/api/sessions/demo/sections/${section}`,
        )
      ).body.takenUp;
    await waitUntilAsync(async () => (await takenUp("glossary")) === null, "glossary released");
    expect((await takenUp("introduction"))?.clause).toBe("c3");
    expect(chair.errors).toEqual([]);
  });

  it("what gets the focus is scrolled below the sticky room bar, not under it: a clause's number, then its text, with the chair's toolbar open", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chair = await openRoom(browser, t.httpUrl, await t.token("chair", { name: "Chair" }), {
      section: "implementation",
    });
    await clauseReady(chair.page, "c7");
    // The toolbar opens for a selected clause: the bar is at its tallest.
    await clauseOf(chair.page, "c2").locator("button.number").click();
    const barBottom = async () => chair.page.locator(".room-bar").evaluate((bar) => bar.getBoundingClientRect().bottom);
    for (const [clause, target] of [
      ["c3", clauseOf(chair.page, "c3").locator("button.number")],
      ["c4", editorOf(chair.page, "c4")],
    ] as const) {
      // The page is scrolled so that the target sits just under the bar's top edge, hidden by it.
      await target.evaluate((element) => {
        window.scrollBy(0, element.getBoundingClientRect().top - 10);
      });
      expect(await target.evaluate((element) => element.getBoundingClientRect().top)).toBeLessThan(await barBottom());
      await target.focus();
      await waitUntilAsync(
        async () => (await target.evaluate((element) => element.getBoundingClientRect().top)) >= (await barBottom()),
        `${clause}'s focused element below the room bar`,
      );
    }
    expect(chair.errors).toEqual([]);
  });
});
