import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type ApiSection, api } from "../support/api.ts";
import { launchBrowser, openRoom } from "../support/browser.ts";
import { startTestServer, waitUntilAsync } from "../support/server.ts";
import {
  actionButton,
  clauseOf,
  clauseReady,
  clickAtEnd,
  cursorAfter,
  cursorIn,
  EDITORS,
  editorOf,
  selectText,
  serverClause,
  serverText,
  shownText,
  textWithFootnotes,
  untilTextEverywhere,
} from "./roomPage.ts";

const sectionCount = async (page: Page, section: string) =>
  Number(await page.locator(`a[data-section="${section}"] .figures`).getAttribute("data-open-brackets"));

/** A server (with the session's editor) and two delegates' pages on the glossary. */
async function twoDelegates(first: string, second: string, editor?: (typeof EDITORS)[number]) {
  const t = await startTestServer(editor ? { editor } : {});
  const browser = await launchBrowser();
  const chair = await t.token("chair");
  const open = async (delegation: string) =>
    openRoom(browser, t.httpUrl, await t.token("delegate", { delegation }), { section: "glossary" });
  return { t, chair, a: await open(first), b: await open(second) };
}

describe("brackets as negotiators use them", () => {
  it("a delegate brackets a phrase with a note; the other page shows it with its proposer inline; the counts go up everywhere", async () => {
    const { t, chair, a: rcc, b: apt } = await twoDelegates("RCC", "APT");
    await Promise.all([clauseReady(rcc.page, "c4"), clauseReady(apt.page, "c4")]);
    const before = {
      rcc: await sectionCount(rcc.page, "glossary"),
      apt: await sectionCount(apt.page, "glossary"),
      api: (await api<ApiSection>(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary")).body.figures
        .openBrackets,
    };

    await selectText(rcc.page, "c4", "Enabler");
    await rcc.page.locator('.toolbar [name="reason"]').selectOption("awaiting_instructions");
    await rcc.page.locator('.toolbar [name="note"]').fill("pending capital");
    await actionButton(rcc.page, "bracket").click();

    const bracket = apt.page.locator('article[data-clause="c4"] span.bracket[data-by="RCC"]');
    await bracket.waitFor();
    expect(await bracket.getAttribute("title")).toContain("pending capital");
    await clauseOf(apt.page, "c4").locator(".proposers", { hasText: "RCC" }).waitFor();
    await waitUntilAsync(
      async () =>
        (await sectionCount(rcc.page, "glossary")) === before.rcc + 1 &&
        (await sectionCount(apt.page, "glossary")) === before.apt + 1,
      "counts in both pages",
    );
    const clause = await serverClause(t.httpUrl, chair, "glossary", "c4");
    expect(clause.text).toMatch(/^\[Enabler\]/);
    expect(clause.brackets[0]).toMatchObject({ by: ["RCC"], reason: "awaiting_instructions", text: "Enabler" });
    expect(
      (await api<ApiSection>(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary")).body.figures
        .openBrackets,
    ).toBe(before.api + 1);
    expect(rcc.errors).toEqual([]);
    expect(apt.errors).toEqual([]);
  });

  describe.each(EDITORS)("copy and paste (%s)", (editor) => {
    it("text copied with another delegation's bracket is pasted plain: no bracket without proposers, nothing no delegate can withdraw", async () => {
      const { t, chair, a: rcc, b: apt } = await twoDelegates("RCC", "APT", editor);
      await Promise.all([clauseReady(rcc.page, "c4"), clauseReady(apt.page, "c3")]);
      await selectText(rcc.page, "c4", "Enabler");
      await actionButton(rcc.page, "bracket").click();
      await apt.page.locator('article[data-clause="c4"] span.bracket[data-by="RCC"]').waitFor();
      const before = await serverClause(t.httpUrl, chair, "glossary", "c3");

      // As a person picks a word: a double click on it.
      await clauseOf(apt.page, "c4").locator('span.bracket[data-by="RCC"]').dblclick();
      await apt.page.waitForFunction(() => window.getSelection()?.toString().includes("Enabler"));
      await apt.page.keyboard.press("Control+C");
      await clickAtEnd(apt.page, "c3");
      await apt.page.keyboard.type(" ");
      await apt.page.keyboard.press("Control+V");
      await waitUntilAsync(
        async () => (await serverText(t.httpUrl, chair, "glossary", "c3")) === `${before.text} Enabler`,
        "the pasted word is stored, without brackets",
      );
      expect((await serverClause(t.httpUrl, chair, "glossary", "c3")).brackets).toEqual(before.brackets);
      // The original stays RCC's.
      expect((await serverClause(t.httpUrl, chair, "glossary", "c4")).brackets).toMatchObject([
        { by: ["RCC"], text: "Enabler" },
      ]);
      if (editor === "tiptap")
        await apt.page.locator(".notice-log", { hasText: "Pasted without its brackets" }).waitFor();
      expect(apt.errors).toEqual([]);
    });
  });

  it("a bracketed word dragged within its clause moves with its bracket; dragged with Ctrl pressed on the way it is copied plain, so one bracket never stands in two places", async () => {
    const { t, chair, a: rcc, b: apt } = await twoDelegates("RCC", "APT", "tiptap");
    await Promise.all([clauseReady(rcc.page, "c4"), clauseReady(apt.page, "c4")]);
    await selectText(rcc.page, "c4", "Enabler");
    await actionButton(rcc.page, "bracket").click();
    await apt.page.locator('article[data-clause="c4"] span.bracket[data-by="RCC"]').waitFor();
    const start = await serverText(t.httpUrl, chair, "glossary", "c4");
    const page = rcc.page;
    // Where the clause's text ends, on screen.
    const endOfText = () =>
      editorOf(page, "c4").evaluate((element) => {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        let last: Text | null = null;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.parentElement?.closest(".proposers, .collaboration-carets__caret")) last = node as Text;
        }
        const range = document.createRange();
        range.setStart(last as Text, (last as Text).data.length);
        const box = range.getBoundingClientRect();
        return { x: box.right + 2, y: box.top + box.height / 2 };
      });
    // Playwright's mouse does not start a text drag in headless Chromium (no dragstart fires),
    // so the drag's events are dispatched as the browser sends them, onto the real editor: a
    // dragstart on the selected word (no modifier), then the drop at the end of the text, with
    // Ctrl held only there when the person turned the drag into a copy on the way.
    const drag = async (copy: boolean) => {
      await clauseOf(page, "c4").locator('span.bracket[data-by="RCC"]').last().dblclick();
      await page.waitForFunction(() => window.getSelection()?.toString().includes("Enabler"));
      const to = await endOfText();
      await editorOf(page, "c4").evaluate(
        (editor, [at, ctrlKey]) => {
          const range = window.getSelection()?.getRangeAt(0);
          const word = range?.startContainer.parentElement;
          if (!range || !word) throw new Error("nothing selected");
          const box = range.getBoundingClientRect();
          const dataTransfer = new DataTransfer();
          const event = (type: string, x: number, y: number, ctrl: boolean) =>
            new DragEvent(type, {
              bubbles: true,
              cancelable: true,
              dataTransfer,
              clientX: x,
              clientY: y,
              ctrlKey: ctrl,
            });
          word.dispatchEvent(event("dragstart", box.x + box.width / 2, box.y + box.height / 2, false));
          editor.dispatchEvent(event("dragover", at.x, at.y, ctrlKey));
          editor.dispatchEvent(event("drop", at.x, at.y, ctrlKey));
          word.dispatchEvent(event("dragend", at.x, at.y, ctrlKey));
        },
        [to, copy] as const,
      );
    };

    await drag(false);
    await waitUntilAsync(
      async () => (await serverText(t.httpUrl, chair, "glossary", "c4")) !== start,
      "the dragged word is stored",
    );
    const moved = await serverClause(t.httpUrl, chair, "glossary", "c4");
    // Moved: the text holds the word once, still in RCC's bracket, at its new place.
    expect(moved.text.split("Enabler").length).toBe(2);
    expect(moved.text.trimEnd().endsWith("[Enabler]")).toBe(true);
    expect(moved.brackets).toMatchObject([{ by: ["RCC"], text: "Enabler" }]);

    await drag(true);
    await waitUntilAsync(
      async () => (await serverText(t.httpUrl, chair, "glossary", "c4")).split("Enabler").length === 3,
      "the copied word is stored",
    );
    const copied = await serverClause(t.httpUrl, chair, "glossary", "c4");
    // Copied: the word twice, the bracket once, around the first.
    expect(copied.text.split("[Enabler]").length).toBe(2);
    expect(copied.brackets).toMatchObject([{ by: ["RCC"], text: "Enabler" }]);
    expect(copied.brackets).toHaveLength(1);
    await page.locator(".notice-log", { hasText: "Pasted without its brackets" }).waitFor();
    expect(rcc.errors).toEqual([]);
    expect(apt.errors).toEqual([]);
  });

  describe.each(EDITORS)("bracket, alternative, withdraw (%s)", (editor) => {
    it("co-sponsor, alternative typed in place ([a][b] on screen and in the API), withdraw: the bracket goes when its last proposer leaves", async () => {
      const { t, chair, a: afr, b: cept } = await twoDelegates("AFR", "CEPT", editor);
      await Promise.all([clauseReady(afr.page, "c4"), clauseReady(cept.page, "c4")]);

      await selectText(afr.page, "c4", "partnerships");
      await actionButton(afr.page, "bracket").click();
      await clauseOf(cept.page, "c4").locator(".proposers", { hasText: "AFR" }).waitFor();

      // CEPT co-sponsors AFR's bracket.
      await cursorIn(cept.page, "c4", "partnerships");
      await actionButton(cept.page, "cosponsor").click();
      await clauseOf(afr.page, "c4").locator(".proposers", { hasText: "AFR, CEPT" }).waitFor();

      // AFR adds an alternative and types it in place.
      await cursorIn(afr.page, "c4", "partnerships");
      await actionButton(afr.page, "alternative").click();
      await afr.page.keyboard.type("alliances", { delay: 30 });
      await waitUntilAsync(
        async () => (await serverText(t.httpUrl, chair, "glossary", "c4")).includes("[partnerships][alliances]"),
        "the alternative is stored",
      );
      for (const page of [afr.page, cept.page]) {
        await waitUntilAsync(
          async () => (await shownText(page, "c4")).includes("[partnerships][alliances]"),
          "shown [a][b]",
        );
      }
      const withAlternative = await serverClause(t.httpUrl, chair, "glossary", "c4");
      expect(withAlternative.figures.alternatives).toBe(1);
      expect(withAlternative.brackets.map((b) => b.text)).toEqual(["partnerships", "alliances"]);

      // CEPT withdraws from the co-sponsored bracket: AFR keeps it. Then AFR withdraws it, the last
      // proposer: an alternative goes with its text, and the other option stays in its bracket.
      await cursorIn(cept.page, "c4", "partnerships");
      await actionButton(cept.page, "withdraw").click();
      await waitUntilAsync(
        async () => (await serverClause(t.httpUrl, chair, "glossary", "c4")).brackets[0]?.by.join() === "AFR",
        "CEPT is off the bracket",
      );
      // AFR acts on what its screen shows: it waits to see CEPT's withdrawal, as a person would.
      await clauseOf(afr.page, "c4").locator(".proposers", { hasText: /^AFR$/ }).first().waitFor();
      await cursorIn(afr.page, "c4", "partnerships");
      await actionButton(afr.page, "withdraw").click();
      await waitUntilAsync(
        async () => !(await serverText(t.httpUrl, chair, "glossary", "c4")).includes("partnerships"),
        "the alternative is withdrawn",
      );
      expect(await serverText(t.httpUrl, chair, "glossary", "c4")).toContain("such as [alliances], resource");
      // Withdrawing the remaining bracket leaves its text, no longer disputed.
      await cursorIn(afr.page, "c4", "alliances");
      await actionButton(afr.page, "withdraw").click();
      await waitUntilAsync(
        async () => (await serverText(t.httpUrl, chair, "glossary", "c4")).includes("such as alliances, resource"),
        "the last bracket is withdrawn, its text stays",
      );
      expect(afr.errors).toEqual([]);
      expect(cept.errors).toEqual([]);
    });
  });

  it.each(EDITORS)(
    "Ctrl+Z after another delegation added an alternative to one's bracket undoes one's typing, not the bracket: both brackets keep their words (%s)",
    async (editor) => {
      const { t, chair, a: cept, b: afr } = await twoDelegates("CEPT", "AFR", editor);
      await Promise.all([clauseReady(afr.page, "c4"), clauseReady(cept.page, "c4")]);
      // CEPT types, then brackets a word; AFR adds an alternative to it and types it in place.
      await clickAtEnd(cept.page, "c4");
      await cept.page.keyboard.type(" Ben", { delay: 30 });
      await waitUntilAsync(
        async () => (await serverText(t.httpUrl, chair, "glossary", "c4")).endsWith(" Ben"),
        "CEPT's typing is stored",
      );
      await selectText(cept.page, "c4", "partnerships");
      await actionButton(cept.page, "bracket").click();
      await clauseOf(afr.page, "c4").locator(".proposers", { hasText: "CEPT" }).waitFor();
      await cursorIn(afr.page, "c4", "partnerships");
      await actionButton(afr.page, "alternative").click();
      await afr.page.keyboard.type("alliances", { delay: 30 });
      for (const page of [afr.page, cept.page]) {
        await waitUntilAsync(async () => (await shownText(page, "c4")).includes("[partnerships][alliances]"), "shown");
      }
      // CEPT, back at the end of the clause, presses Ctrl+Z.
      await clickAtEnd(cept.page, "c4");
      await cept.page.keyboard.press("Control+z");
      await waitUntilAsync(
        async () => !(await serverText(t.httpUrl, chair, "glossary", "c4")).endsWith(" Ben"),
        "CEPT's typing is undone",
      );
      const after = await serverClause(t.httpUrl, chair, "glossary", "c4");
      expect(after.brackets.map((b) => [b.text, b.by.join()])).toEqual([
        ["partnerships", "CEPT"],
        ["alliances", "AFR"],
      ]);
      expect(await serverText(t.httpUrl, chair, "glossary", "c4")).toContain(
        "such as [partnerships][alliances], resource",
      );
      for (const page of [afr.page, cept.page]) {
        await waitUntilAsync(
          async () => (await shownText(page, "c4")).includes("[partnerships][alliances], resource"),
          "both brackets shown as they were",
        );
      }
      expect(afr.errors).toEqual([]);
      expect(cept.errors).toEqual([]);
    },
  );

  describe.each(EDITORS)("brackets while someone types (%s)", (editor) => {
    it("while a delegate types at the end of a clause, another brackets two of its words and adds an alternative typed in place: every keystroke lands where it was typed, and each bracket holds exactly its words", async () => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const chair = await t.token("chair");
      const open = async (delegation: string, name: string) =>
        openRoom(browser, t.httpUrl, await t.token("delegate", { name, delegation }), { section: "implementation" });
      const ana = await open("AFR", "Ana");
      const ben = await open("CEPT", "Ben");
      await Promise.all([clauseReady(ana.page, "c4"), clauseReady(ben.page, "c4")]);
      const before = await serverText(t.httpUrl, chair, "implementation", "c4");
      const typed =
        " Ana keeps typing at the end of the clause while Ben brackets two words of it and adds an alternative to one.";
      await clickAtEnd(ana.page, "c4");
      let done = false;
      const typing = ana.page.keyboard.type(typed, { delay: 45 }).then(() => {
        done = true;
      });
      // Awaited below; if the test fails first, the closing browser must not surface as an unhandled error.
      typing.catch(() => undefined);

      await selectText(ben.page, "c4", "education");
      await actionButton(ben.page, "bracket").click();
      await clauseOf(ana.page, "c4").locator(".proposers", { hasText: "CEPT" }).waitFor();
      await cursorIn(ben.page, "c4", "education");
      await actionButton(ben.page, "alternative").click();
      await ben.page.keyboard.type("learning", { delay: 45 });
      await selectText(ben.page, "c4", "health");
      await actionButton(ben.page, "bracket").click();
      // All of it happened while Ana was typing.
      expect(done).toBe(false);
      await typing;

      const expected = `${before.replace("health", "[health]").replace("education", "[education][learning]")}${typed}`;
      await untilTextEverywhere(
        { httpUrl: t.httpUrl, token: chair, section: "implementation", clause: "c4" },
        expected,
        [ana.page, ben.page],
        "every keystroke where it was typed, on the server and on both screens",
      );
      const clause = await serverClause(t.httpUrl, chair, "implementation", "c4");
      expect(clause.brackets.map((b) => [b.text, b.by.join(), b.reason])).toEqual([
        ["health", "CEPT", "substantive"],
        ["education", "CEPT", "substantive"],
        ["learning", "CEPT", "alternative"],
      ]);
      expect(ana.errors).toEqual([]);
      expect(ben.errors).toEqual([]);
    });
  });

  describe.each(EDITORS)("footnotes while typing (%s)", (editor) => {
    it("text typed right after a footnote's anchor goes after its number; the anchor keeps its words", async () => {
      const t = await startTestServer({ editor });
      const browser = await launchBrowser();
      const ana = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ana", delegation: "AFR" }), {
        section: "implementation",
      });
      await clauseReady(ana.page, "c2");
      expect(await textWithFootnotes(ana.page, "c2")).toContain("satellite services{1} for affordable");
      await cursorAfter(ana.page, "c2", "satellite services");
      await ana.page.keyboard.type(" (typed after)", { delay: 30 });
      await waitUntilAsync(
        async () => (await textWithFootnotes(ana.page, "c2")).includes("satellite services{1} (typed after) for"),
        "the typed words after the footnote number",
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}: ${await textWithFootnotes(ana.page, "c2")}`);
      });
      const chair = await t.token("chair");
      await waitUntilAsync(
        async () =>
          (await serverText(t.httpUrl, chair, "implementation", "c2")).includes("satellite services (typed after) for"),
        "stored",
      );
      // The footnote is still one, on its words.
      expect((await serverClause(t.httpUrl, chair, "implementation", "c2")).footnotes).toHaveLength(1);
      expect(ana.errors).toEqual([]);
    });
  });

  describe.each(EDITORS)("foreign brackets (%s)", (editor) => {
    it("a delegate cannot withdraw, narrow or retype another delegation's bracket: the screen refuses it and says why, and the server keeps it", async () => {
      const { t, chair, a: afr, b: cept } = await twoDelegates("AFR", "CEPT", editor);
      await Promise.all([clauseReady(afr.page, "c4"), clauseReady(cept.page, "c4")]);
      await selectText(afr.page, "c4", "resource mobilization");
      await actionButton(afr.page, "bracket").click();
      await clauseOf(cept.page, "c4").locator(".proposers", { hasText: "AFR" }).waitFor();
      const before = await serverText(t.httpUrl, chair, "glossary", "c4");

      await cursorIn(cept.page, "c4", "resource mobilization");
      expect(await actionButton(cept.page, "withdraw").getAttribute("aria-disabled")).toBe("true");
      await actionButton(cept.page, "withdraw").click({ force: true });
      await cept.page.locator(".group-bracket .group-status", { hasText: "Only its proposers" }).waitFor();
      // Typing inside it, or deleting part of it, is refused on the screen with a notice.
      await cept.page.keyboard.type("xyz");
      await cept.page.keyboard.press("Backspace");
      await cept.page.locator("#latest-notice", { hasText: "held by AFR" }).waitFor();
      await cept.page.waitForTimeout(300);
      expect(await shownText(cept.page, "c4")).toBe(before);
      // Bracketing words inside it would narrow it: refused, and said next to the button.
      await selectText(cept.page, "c4", "mobilization");
      await actionButton(cept.page, "bracket").click();
      await cept.page.locator('.group-bracket .group-status[data-ok="false"]', { hasText: "Not sent" }).waitFor();
      expect(await shownText(cept.page, "c4")).toBe(before);
      expect(await serverText(t.httpUrl, chair, "glossary", "c4")).toBe(before);
      expect(cept.errors).toEqual([]);
    });
  });

  it("proposing a clause is a button (and Alt+Shift+N), not Enter; while its text is typed it stays bracketed for the delegation (CM2)", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chair = await t.token("chair");
    const afr = await openRoom(browser, t.httpUrl, await t.token("delegate", { delegation: "AFR" }), {
      section: "structure-linkages",
    });
    await clauseReady(afr.page, "c2");
    // Enter at the end of a clause is a new paragraph in it, never a new clause.
    await editorOf(afr.page, "c2").click();
    await afr.page.keyboard.press("Control+End");
    await afr.page.keyboard.press("Enter");
    await afr.page.keyboard.press("Backspace");
    await afr.page.waitForTimeout(300);
    expect(await afr.page.locator("article.clause").count()).toBe(2);

    // A person does not wait for the server: what is typed right after Alt+Shift+N goes into the
    // new clause, over its placeholder, none of it into the clause the cursor was in.
    const before = await serverText(t.httpUrl, chair, "structure-linkages", "c2");
    await afr.page.keyboard.press("Alt+Shift+N");
    await afr.page.keyboard.type("The Bureau shall publish the linkages", { delay: 40 });
    await afr.page.waitForTimeout(400);
    await afr.page.keyboard.type(" yearly.", { delay: 20 });
    await waitUntilAsync(
      async () =>
        (await serverText(t.httpUrl, chair, "structure-linkages", "c3")) ===
        "[The Bureau shall publish the linkages yearly.]",
      "the proposal is stored, all of it in its bracket",
    ).catch(async (e: unknown) => {
      throw new Error(
        `${String(e)} stored ${JSON.stringify(await serverText(t.httpUrl, chair, "structure-linkages", "c3"))} shown ${JSON.stringify(await shownText(afr.page, "c3"))}`,
      );
    });
    const proposal = await serverClause(t.httpUrl, chair, "structure-linkages", "c3");
    expect(proposal.brackets).toHaveLength(1);
    expect(proposal.brackets[0]?.by).toEqual(["AFR"]);
    expect(proposal.number).toBe("2 bis");
    expect(await shownText(afr.page, "c3")).toBe("[The Bureau shall publish the linkages yearly.]");
    expect(await serverText(t.httpUrl, chair, "structure-linkages", "c2")).toBe(before);
    expect(afr.errors).toEqual([]);
  });
});
