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
  serverText,
  shotOf,
  shownText,
  untilTextEverywhere,
} from "./roomPage.ts";

/** 200 characters, typed at a human pace while the rest of the room works. */
const SENTENCE =
  "The Bureau shall report annually to the Council on the implementation of each Outcome, with figures per region, " +
  "and the report shall be published in all six official languages of the Union first, too.";

describe("typing in the drafting room while others work", () => {
  it.each(EDITORS)(
    "(%s) a delegate types 200 characters while another brackets a word of the text she types after, adds an alternative and proposes a clause, and the chair sets a state and locks, all in the same section: not one character is lost or misplaced",
    async (editor) => {
      expect(SENTENCE.length).toBe(200);
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chairToken = await t.token("chair", { name: "Chair" });
      const open = async (token: string) => openRoom(browser, t.httpUrl, token, { section: "implementation" });
      const ana = await open(await t.token("delegate", { name: "Ana", delegation: "AFR" }));
      const ben = await open(await t.token("delegate", { name: "Ben", delegation: "CEPT" }));
      const chair = await open(chairToken);
      await Promise.all([ana, ben, chair].map((r) => clauseReady(r.page, "c7")));
      const before = await serverText(t.httpUrl, chairToken, "implementation", "c2");

      await clickAtEnd(ana.page, "c2");
      let typed = false;
      const typing = ana.page.keyboard.type(` ${SENTENCE}`, { delay: 40 }).then(() => {
        typed = true;
      });
      // Awaited below; if the test fails first, the closing browser must not surface as an unhandled error.
      typing.catch(() => undefined);

      // Ben brackets a word of the very text Ana types after: the bracket splits the text her caret is in.
      await selectText(ben.page, "c2", "affordable");
      await actionButton(ben.page, "bracket").click();
      await clauseOf(ana.page, "c2").locator(".proposers", { hasText: "CEPT" }).waitFor();

      // Ben brackets a word of clause 7, adds an alternative to it and proposes a clause after it.
      await selectText(ben.page, "c7", "reliable");
      await actionButton(ben.page, "bracket").click();
      await cursorIn(ben.page, "c7", "reliable");
      await actionButton(ben.page, "alternative").click();
      await ben.page.keyboard.type("trustworthy", { delay: 30 });
      await actionButton(ben.page, "propose").click();
      await waitUntilAsync(async () => (await ben.page.locator("article.clause").count()) === 9, "the proposed clause");

      // The chair sets clause 4 agreed ad referendum, then locks it.
      await clauseOf(chair.page, "c4").locator("button.number").click();
      await chair.page.locator('.toolbar [data-field="state"]').selectOption("agreed_ad_ref");
      await chair.page.locator('.toolbar [data-field="pending"]').fill("CEPT");
      await actionButton(chair.page, "set-state").click();
      await clauseOf(ana.page, "c4").locator('.state-badge[data-state="agreed_ad_ref"]').waitFor();
      await chair.page.locator('.toolbar [data-field="reason"]').fill("pending confirmation from capitals");
      await actionButton(chair.page, "lock").click();
      await clauseOf(ana.page, "c4").locator(".lock-mark").waitFor();
      // Everything above happened while Ana was still typing: the test means what it says.
      expect(typed).toBe(false);

      await typing;
      const expected = `${before.replace("affordable", "[affordable]")} ${SENTENCE}`;
      await untilTextEverywhere(
        { httpUrl: t.httpUrl, token: chairToken, section: "implementation", clause: "c2" },
        expected,
        [ana.page],
        "every character of the sentence is in the page and stored",
      );
      expect(await shownText(ben.page, "c2")).toBe(expected);
      const focused = await ana.page.evaluate(() =>
        document.activeElement?.closest("article")?.getAttribute("data-clause"),
      );
      expect(focused).toBe("c2");
      expect(await serverText(t.httpUrl, chairToken, "implementation", "c7")).toContain("[reliable][trustworthy]");
      for (const r of [ana, ben, chair]) expect(r.errors).toEqual([]);
    },
  );

  it.each(
    EDITORS.flatMap((editor) =>
      (["types at its end", "moves his caret in it"] as const).map((other) => [editor, other] as const),
    ),
  )(
    "(%s) a delegate walks her caret along a clause with the arrow keys while another %s: every key press moves it, and what she types then lands there",
    async (editor, other) => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chair = await t.token("chair");
      const open = async (name: string, delegation: string) =>
        openRoom(browser, t.httpUrl, await t.token("delegate", { name, delegation }), { section: "implementation" });
      const ana = await open("Ana", "AFR");
      const ben = await open("Ben", "CEPT");
      await Promise.all([clauseReady(ana.page, "c4"), clauseReady(ben.page, "c4")]);
      const before = await serverText(t.httpUrl, chair, "implementation", "c4");
      const presses = 60;
      expect(before.length).toBeGreaterThan(presses + 1);
      // One letter into the clause's first word: where her walk starts.
      await cursorIn(ana.page, "c4", before.slice(0, 8));
      const start = 1;
      await clickAtEnd(ben.page, "c4");
      // Typing changes the text under her caret's editor; moving a caret only redraws his.
      const typed = other === "types at its end" ? " Ben types at the end all along." : "";
      const typing =
        other === "types at its end"
          ? ben.page.keyboard.type(typed, { delay: 50 })
          : (async () => {
              for (let i = 0; i < 30; i++) await ben.page.keyboard.press("ArrowLeft", { delay: 50 });
            })();
      typing.catch(() => undefined);
      for (let i = 0; i < presses; i++) {
        await ana.page.keyboard.press("ArrowRight");
        await ana.page.waitForTimeout(30);
      }
      await ana.page.keyboard.type("#");
      await typing;
      const expected = `${before.slice(0, start + presses)}#${before.slice(start + presses)}${typed}`;
      await untilTextEverywhere(
        { httpUrl: t.httpUrl, token: chair, section: "implementation", clause: "c4" },
        expected,
        [ana.page],
        "the mark typed where the caret was walked to, on the server and on her page",
      );
      expect(ana.errors).toEqual([]);
      expect(ben.errors).toEqual([]);
    },
  );

  describe.each(EDITORS)("concurrent typing (%s)", (editor) => {
    it("two delegates type words at the same spot (the clause's end) at once, three times: each one's words stay whole and apart, on both pages and the server, and each sees the other's caret with a name in a visible colour", async () => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const ana = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ana", delegation: "AFR" }), {
        section: "glossary",
      });
      const ben = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ben", delegation: "CEPT" }), {
        section: "glossary",
      });
      await Promise.all([clauseReady(ana.page, "c2"), clauseReady(ben.page, "c2")]);
      const chair = await t.token("chair");
      let text = await serverText(t.httpUrl, chair, "glossary", "c2");
      for (let round = 1; round <= 3; round++) {
        await clickAtEnd(ana.page, "c2");
        await clickAtEnd(ben.page, "c2");
        // Both press Space at the same moment: Yjs orders the two spaces, and each caret must stay
        // after its own (Tiptap once kept one caret's offset: "echoalpha from AFR ").
        const words = { ana: ` alpha${round} from AFR`, ben: ` beta${round} from CEPT` };
        await Promise.all([
          ana.page.keyboard.type(words.ana, { delay: 40 }),
          ben.page.keyboard.type(words.ben, { delay: 40 }),
        ]);
        text = await untilTextEverywhere(
          { httpUrl: t.httpUrl, token: chair, section: "glossary", clause: "c2" },
          [`${text}${words.ana}${words.ben}`, `${text}${words.ben}${words.ana}`],
          [ana.page, ben.page],
          `round ${round}: both pages and the server hold both words whole, one after the other`,
        );
      }

      const caret = ben.page.locator('article[data-clause="c2"] .collaboration-carets__caret', { hasText: "Ana" });
      await caret.waitFor();
      const colours = await caret.evaluate((element) => {
        const label = element.querySelector(".collaboration-carets__label");
        return {
          border: getComputedStyle(element).borderLeftColor,
          label: label ? getComputedStyle(label).backgroundColor : "",
          text: label?.textContent ?? "",
        };
      });
      expect(colours.text).toBe("Ana");
      for (const colour of [colours.border, colours.label]) {
        expect(colour).toMatch(/^rgb\(/); // rgba(0, 0, 0, 0) is what a rejected colour becomes
      }
      // In Ben's page, Ana's caret and presence share her colour, and it is not Ben's own.
      const dots = await ben.page
        .locator("#presence .dot")
        .evaluateAll((all) => all.map((dot) => getComputedStyle(dot).backgroundColor));
      expect(dots).toHaveLength(2);
      expect(dots[1]).toBe(colours.border);
      expect(dots[0]).not.toBe(dots[1]);
      await ana.page.locator('#save-state[data-saved="true"]').waitFor();
      await screenshot(ben.page, shotOf("delegate-section", editor));
      expect(ana.errors).toEqual([]);
      expect(ben.errors).toEqual([]);
    });
  });
});

describe("composition (IME) in the drafting room", () => {
  it.each(EDITORS)(
    "(%s) a composition in progress survives a remote bracket and a clause inserted above: the composed word lands in full",
    async (editor) => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chairToken = await t.token("chair", { name: "Chair" });
      const yui = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Yui", delegation: "APT" }), {
        section: "glossary",
      });
      const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "glossary" });
      await Promise.all([clauseReady(yui.page, "c3"), clauseReady(chair.page, "c2")]);
      const before = await serverText(t.httpUrl, chairToken, "glossary", "c3");
      await clickAtEnd(yui.page, "c3");
      const ime = await yui.page.context().newCDPSession(yui.page);
      // An input method composes 東京 in steps, while the chair inserts a clause above and brackets another.
      await ime.send("Input.imeSetComposition", { text: "と", selectionStart: 1, selectionEnd: 1 });
      await clauseOf(chair.page, "c1").locator("button.number").click();
      await actionButton(chair.page, "propose").click();
      await waitUntilAsync(async () => (await yui.page.locator("article.clause").count()) === 5, "the inserted clause");
      await ime.send("Input.imeSetComposition", { text: "とうきょう", selectionStart: 5, selectionEnd: 5 });
      await chair.page.locator('.toolbar [name="by"]').fill("ARB");
      await selectText(chair.page, "c2", "Output");
      await actionButton(chair.page, "bracket").click();
      await clauseOf(yui.page, "c2").locator(".proposers", { hasText: "ARB" }).waitFor();
      await ime.send("Input.imeSetComposition", { text: "東京", selectionStart: 2, selectionEnd: 2 });
      await ime.send("Input.insertText", { text: "東京" });
      const expected = `${before}東京`;
      await waitUntilAsync(
        async () =>
          (await serverText(t.httpUrl, chairToken, "glossary", "c3")) === expected &&
          (await shownText(yui.page, "c3")) === expected,
        "the composed word is in the page and stored, once",
      );
      expect(yui.errors).toEqual([]);
    },
  );
});
