import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openRoom, screenshot } from "../support/browser.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import {
  axeViolations,
  clauseReady,
  EDITORS,
  editorOf,
  horizontalOverflow,
  selectText,
  serverText,
  shotOf,
  shownText,
} from "./roomPage.ts";

const PHONE = { width: 390, height: 844 };
const TABLET = { width: 768, height: 1024 };
const DESKTOP = { width: 1280, height: 800 };

type ViewName = "delegate" | "chair" | "observer" | "projector";

type Editor = (typeof EDITORS)[number];

let t: TestServer;
/** The same session in a Lexical room, for the scenarios that run in both editors. */
let lexical: TestServer;
let browser: Browser;

beforeAll(async () => {
  t = await startTestServer({ keep: true });
  lexical = await startTestServer({ keep: true, editor: "lexical" });
  browser = await launchBrowser({ keep: true });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await lexical?.close();
});

async function openView(name: ViewName, viewport = DESKTOP, section = "introduction", editor: Editor = "tiptap") {
  const server = editor === "tiptap" ? t : lexical;
  const token =
    name === "delegate"
      ? await server.token("delegate", { name: "Delegate of AFR", delegation: "AFR" })
      : name === "chair"
        ? await server.token("chair", { name: "Chair" })
        : await server.token("observer", { name: "Observer" });
  const room = await openRoom(browser, server.httpUrl, token, {
    section,
    viewport,
    ...(name === "projector" ? { view: "projector" } : {}),
  });
  await clauseReady(room.page, "c3");
  return room;
}

/** Where something is on the page, in CSS pixels. */
const box = async (page: Page, selector: string) => {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not visible`);
  return found;
};

describe("every view, every device", () => {
  describe.each(EDITORS)("observer (%s)", (editor) => {
    it("the observer reads the text in the main column, with the follow option above it, not in a grid column of its own; typing into a clause changes nothing, and the room says why", async () => {
      const observer = await openView("observer", DESKTOP, "introduction", editor);
      const main = await box(observer.page, "main#main");
      const text = await box(observer.page, 'article[data-clause="c1"] [role="textbox"]');
      const follow = await box(observer.page, "label.follow");
      expect(text.x).toBeGreaterThanOrEqual(main.x);
      expect(text.x + text.width).toBeLessThanOrEqual(main.x + main.width + 1);
      expect(main.width).toBeGreaterThan(DESKTOP.width / 2);
      expect(follow.y).toBeLessThan(text.y);
      expect(follow.x).toBeGreaterThanOrEqual(main.x);
      expect(await editorOf(observer.page, "c1").getAttribute("contenteditable")).toBe("false");
      expect(await observer.page.locator(".toolbar, [data-action=renumber], [data-action=snapshot]").count()).toBe(0);
      // It reads what the server holds: brackets with their proposers, footnote numbers with their source.
      const server = editor === "tiptap" ? t : lexical;
      const chair = await server.token("chair");
      expect(await shownText(observer.page, "c3")).toBe(await serverText(server.httpUrl, chair, "introduction", "c3"));
      await observer.page.locator('article[data-clause="c3"] .proposers', { hasText: "ARB, RCC" }).waitFor();
      const footnote = observer.page.locator('article[data-clause="c2"] .footnote-ref');
      expect(await footnote.textContent()).toBe("1");
      expect(await footnote.getAttribute("aria-label")).toMatch(/^footnote 1: \S/);
      await screenshot(observer.page, shotOf("observer-section", editor));
      // Typing into a clause changes nothing, and the room says why.
      const before = await shownText(observer.page, "c1");
      await editorOf(observer.page, "c1").click();
      await observer.page.keyboard.type("xyz");
      await observer.page.locator("#latest-notice", { hasText: "Observers follow read-only." }).waitFor();
      expect(await shownText(observer.page, "c1")).toBe(before);
      expect(await serverText(server.httpUrl, chair, "introduction", "c1")).toBe(before);
      expect(observer.errors).toEqual([]);
    });
  });

  for (const [device, viewport] of [
    ["phone", PHONE],
    ["tablet", TABLET],
  ] as const) {
    it(`no horizontal scrolling at ${viewport.width}x${viewport.height} (${device}), in every view`, async () => {
      for (const name of ["delegate", "chair", "observer", "projector"] as const) {
        const room = await openView(name, viewport);
        expect(await horizontalOverflow(room.page), `${name} on a ${device}`).toBeLessThanOrEqual(0);
        const text = await box(room.page, 'article[data-clause="c1"] [role="textbox"]');
        expect(text.width, `${name}: the text uses the width`).toBeGreaterThan(viewport.width * 0.55);
        if (device === "phone") await screenshot(room.page, `${name}-phone`);
        expect(room.errors).toEqual([]);
        await room.context.close();
      }
    });
  }

  it("Tab leaves the last clause for the next control, and Shift+Tab comes back: no keyboard trap", async () => {
    const room = await openView("delegate");
    const last = await room.page.locator("article.clause").last().getAttribute("data-clause");
    await editorOf(room.page, last ?? "").click();
    await room.page.keyboard.press("Tab");
    // Focus moved on: out of the clauses (to the page's next control, or out of the page).
    await room.page.waitForFunction(() => !document.activeElement?.closest("ol.clauses"));
    await room.page.keyboard.press("Shift+Tab");
    await room.page.waitForFunction(
      (id) => document.activeElement?.closest("article")?.getAttribute("data-clause") === id,
      last,
    );
  });

  describe.each(EDITORS)("keyboard (%s)", (editor) => {
    it("the keyboard reaches every tool in order: Escape goes from the clause to its toolbar, the toolbar's controls follow one another, and Tab from the last one goes on to the clauses", async () => {
      const room = await openView("chair", DESKTOP, "introduction", editor);
      await editorOf(room.page, "c2").click();
      await room.page.keyboard.press("Escape");
      const visited: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const where = await room.page.evaluate(() => {
          const active = document.activeElement as HTMLElement | null;
          return {
            inToolbar: Boolean(active?.closest(".toolbar")),
            name:
              active?.getAttribute("data-action") ?? active?.getAttribute("data-field") ?? active?.getAttribute("name"),
          };
        });
        if (!where.inToolbar) break;
        visited.push(where.name ?? "?");
        await room.page.keyboard.press("Tab");
      }
      // In reading order: the bracket group, the clause group, then the chair's.
      const order = ["note", "bracket", "alternative", "propose", "delete", "take-up", "state", "lock"];
      const at = order.map((control) => visited.indexOf(control));
      expect(
        at.every((i) => i >= 0),
        `${visited}`,
      ).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      expect(await room.page.evaluate(() => Boolean(document.activeElement?.closest("ol.clauses")))).toBe(true);
      // Alt+Shift+B brackets from the keyboard, in the clause that was selected.
      await room.page.locator('.toolbar [name="by"]').fill("ASP");
      await selectText(room.page, "c1", "This Action Plan");
      await room.page.keyboard.press("Alt+Shift+B");
      await room.page.locator('article[data-clause="c1"] .proposers', { hasText: "ASP" }).waitFor();
      expect(await shownText(room.page, "c1")).toMatch(/^\[/);
    });
  });

  it("axe-core finds no violation of any impact on the delegate, chair, observer and projector views", async () => {
    for (const name of ["delegate", "chair", "observer", "projector"] as const) {
      const room = await openView(name, name === "projector" ? { width: 1920, height: 1080 } : DESKTOP);
      if (name !== "observer" && name !== "projector") await editorOf(room.page, "c2").click();
      const violations = await axeViolations(room.page);
      expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
      if (name === "delegate") await screenshot(room.page, "delegate-desktop");
      await room.context.close();
    }
  });
});
