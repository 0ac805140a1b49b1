import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openSqliteStore } from "@gavel/server";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type ApiSection, api } from "../support/api.ts";
import { launchBrowser, openRoom, screenshot } from "../support/browser.ts";
import { gatedStore } from "../support/gatedStore.ts";
import { startTestServer, waitUntilAsync } from "../support/server.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { tempDir } from "../support/tmp.ts";

const editorOf = (page: Page, clause: string) => page.locator(`article[data-clause="${clause}"] .ProseMirror`);

async function serverText(httpUrl: string, token: string, section: string, clause: string): Promise<string> {
  const { body } = await api<ApiSection>(httpUrl, token, "GET", `/api/sessions/demo/sections/${section}`);
  return body.clauses.find((c) => c.id === clause)?.text ?? "";
}

/**
 * The text as a page shows it, as the server prints it: paragraphs by newline, the literal
 * brackets the editor draws, without remote carets' name labels and footnote numbers.
 */
async function shownText(page: Page, clause: string): Promise<string> {
  return editorOf(page, clause).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const extra of copy.querySelectorAll(
      ".collaboration-carets__caret, .footnote-ref, .ProseMirror-separator, .ProseMirror-trailingBreak",
    ))
      extra.remove();
    return [...copy.querySelectorAll("p")].map((p) => (p.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  });
}

async function clickAtEnd(page: Page, clause: string): Promise<void> {
  await editorOf(page, clause).click();
  await page.keyboard.press("Control+End");
}

describe("the drafting room in a real browser", () => {
  it("two delegates type into the same clause at once; both pages and the server end with both contributions", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const a = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ana", delegation: "AFR" }), {
      section: "glossary",
    });
    const b = await openRoom(browser, t.httpUrl, await t.token("delegate", { name: "Ben", delegation: "CEPT" }), {
      section: "glossary",
    });
    await Promise.all([editorOf(a.page, "c2").waitFor(), editorOf(b.page, "c2").waitFor()]);
    await clickAtEnd(a.page, "c2");
    await clickAtEnd(b.page, "c2");
    await Promise.all([
      a.page.keyboard.type(" alpha-from-AFR", { delay: 15 }),
      b.page.keyboard.type(" beta-from-CEPT", { delay: 15 }),
    ]);
    const chair = await t.token("chair");
    await waitUntilAsync(async () => {
      const [ta, tb, ts] = [
        await shownText(a.page, "c2"),
        await shownText(b.page, "c2"),
        await serverText(t.httpUrl, chair, "glossary", "c2"),
      ];
      return ta === tb && tb === ts && ts.includes("alpha-from-AFR") && ts.includes("beta-from-CEPT");
    }, "both pages and the server agree");
    await a.page.locator('#save-state[data-saved="true"]').waitFor();
    await screenshot(a.page, "delegate-section");
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it("a delegate brackets a phrase; another page shows it with its proposer; the open-bracket counts go up everywhere", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chair = await t.token("chair");
    const a = await openRoom(browser, t.httpUrl, await t.token("delegate", { delegation: "RCC" }), {
      section: "glossary",
    });
    const b = await openRoom(browser, t.httpUrl, await t.token("delegate", { delegation: "APT" }), {
      section: "glossary",
    });
    await Promise.all([editorOf(a.page, "c4").waitFor(), editorOf(b.page, "c4").waitFor()]);
    const count = async (page: Page) =>
      Number(await page.locator('a[data-section="glossary"] .figures').getAttribute("data-open-brackets"));
    const before = {
      a: await count(a.page),
      b: await count(b.page),
      api: (await api<ApiSection>(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary")).body.figures
        .openBrackets,
    };

    // Double-click the first word, as a person selects it.
    await editorOf(a.page, "c4").dblclick({ position: { x: 4, y: 10 } });
    await a.page.locator('article[data-clause="c4"] [data-action="bracket"]').click();

    const bracket = b.page.locator('article[data-clause="c4"] span.bracket[data-by="RCC"]');
    await bracket.waitFor();
    expect(await bracket.getAttribute("title")).toContain("RCC");
    await waitUntilAsync(
      async () => (await count(a.page)) === before.a + 1 && (await count(b.page)) === before.b + 1,
      "counts in both pages",
    );
    await waitUntilAsync(
      async () =>
        (await api<ApiSection>(t.httpUrl, chair, "GET", "/api/sessions/demo/sections/glossary")).body.figures
          .openBrackets ===
        before.api + 1,
      "count in the API",
    );
    const text = await serverText(t.httpUrl, chair, "glossary", "c4");
    expect(text, text).toMatch(/^\[Enabler\]/);
    expect(a.errors).toEqual([]);
  });

  it("the chair locks the clause a delegate is typing in: read-only at once, same text everywhere, typing changes nothing", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chairToken = await t.token("chair");
    const chair = await openRoom(browser, t.httpUrl, chairToken, { section: "implementation" });
    const delegate = await openRoom(browser, t.httpUrl, await t.token("delegate"), { section: "implementation" });
    await Promise.all([editorOf(chair.page, "c2").waitFor(), editorOf(delegate.page, "c2").waitFor()]);
    await clickAtEnd(delegate.page, "c2");
    const typing = delegate.page.keyboard.type(" and more and more text typed while the chair gavels", { delay: 25 });
    await delegate.page.waitForTimeout(300);
    await chair.page.locator('article[data-clause="c2"] [data-field="reason"]').fill("agreed in the room");
    await chair.page.locator('article[data-clause="c2"] [data-action="lock"]').click();
    await typing;

    await delegate.page.locator('article[data-clause="c2"] .ProseMirror[contenteditable="false"]').waitFor();
    await delegate.page.locator('article[data-clause="c2"] .lock-mark').waitFor();
    await waitUntilAsync(async () => {
      const server = await serverText(t.httpUrl, chairToken, "implementation", "c2");
      return (await shownText(delegate.page, "c2")) === server && (await shownText(chair.page, "c2")) === server;
    }, "every page shows the server's text");
    const locked = await serverText(t.httpUrl, chairToken, "implementation", "c2");
    await editorOf(delegate.page, "c2").click({ force: true });
    await delegate.page.keyboard.type("ignored");
    await delegate.page.waitForTimeout(300);
    expect(await shownText(delegate.page, "c2")).toBe(locked);
    expect(await serverText(t.httpUrl, chairToken, "implementation", "c2")).toBe(locked);
    await screenshot(chair.page, "chair-section");
    expect(delegate.errors).toEqual([]);
  });

  it("an observer sees every change live and can change nothing: keystrokes, paste and drop do nothing, the server gets no write", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const observer = await openRoom(browser, t.httpUrl, await t.token("observer"), { section: "introduction" });
    const delegate = await openRoom(browser, t.httpUrl, await t.token("delegate"), { section: "introduction" });
    await Promise.all([editorOf(observer.page, "c1").waitFor(), editorOf(delegate.page, "c1").waitFor()]);
    expect(
      await observer.page
        .locator(".bracket-tools, .chair-tools, [data-action=renumber], [data-action=snapshot]")
        .count(),
    ).toBe(0);
    expect(await editorOf(observer.page, "c1").getAttribute("contenteditable")).toBe("false");

    await clickAtEnd(delegate.page, "c1");
    await delegate.page.keyboard.type(" live-edit");
    await waitUntilAsync(
      async () => (await shownText(observer.page, "c1")).includes("live-edit"),
      "the observer sees the edit live",
    );
    const before = await shownText(observer.page, "c1");

    await editorOf(observer.page, "c1").click({ force: true });
    await observer.page.keyboard.type("observer keystrokes");
    await observer.page.keyboard.press("Backspace");
    await editorOf(observer.page, "c1").evaluate((element) => {
      const data = new DataTransfer();
      data.setData("text/plain", "pasted by observer");
      element.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      element.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await observer.page.waitForTimeout(300);
    expect(await shownText(observer.page, "c1")).toBe(before);
    const history = await t.store.history("demo/introduction/c1");
    expect(history.filter((u) => u.author.role === "observer")).toEqual([]);
    await screenshot(observer.page, "observer-section");
    expect(observer.errors).toEqual([]);
  });

  it("offline for a few seconds: edits made meanwhile arrive on reconnect, and 'saved' shows only once the server has stored them", async () => {
    const dir = tempDir("gavel-offline-");
    const gated = gatedStore(openSqliteStore({ file: join(dir, "gavel.sqlite") }));
    const t = await startTestServer({ store: gated.store });
    const proxy = await startTcpProxy((t.server.app.server.address() as AddressInfo).port);
    const browser = await launchBrowser();
    const delegate = await openRoom(browser, proxy.url, await t.token("delegate"), { section: "glossary" });
    await editorOf(delegate.page, "c1").waitFor();
    await delegate.page.locator('#status[data-state="online"]').waitFor();

    proxy.cut();
    await delegate.page.locator('#status:not([data-state="online"])').waitFor();
    await clickAtEnd(delegate.page, "c1");
    await delegate.page.keyboard.type(" written-offline");
    await delegate.page.locator('#save-state[data-saved="false"]').waitFor();
    await delegate.page.waitForTimeout(2000);

    gated.hold();
    proxy.restore();
    await delegate.page.locator('#status[data-state="online"]').waitFor({ timeout: 20_000 });
    await waitUntilAsync(async () => gated.heldAppends() > 0, "the offline edit reached the store");
    // Held in the store: not saved yet.
    expect(await delegate.page.locator("#save-state").getAttribute("data-saved")).toBe("false");
    gated.release();
    await delegate.page.locator('#save-state[data-saved="true"]').waitFor();
    expect(await serverText(t.httpUrl, await t.token("chair"), "glossary", "c1")).toContain("written-offline");
  });

  it("keyboard as in one document: Tab and arrows cross clauses, Enter at the end proposes a new clause, Escape reaches the tools", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const room = await openRoom(browser, t.httpUrl, await t.token("secretariat"), { section: "structure-linkages" });
    await editorOf(room.page, "c2").waitFor();
    await editorOf(room.page, "c1").click();
    // Focus moves on the editor's next frame: wait for it (bounded), do not sample once.
    const focusIn = (clause: string) =>
      room.page.waitForFunction(
        (id) => document.activeElement?.closest("article")?.getAttribute("data-clause") === id,
        clause,
        { timeout: 5000 },
      );
    await room.page.keyboard.press("Tab");
    await focusIn("c2");
    // Tab lands at the start of c2: ArrowUp there crosses back into c1.
    await room.page.keyboard.press("ArrowUp");
    await focusIn("c1");
    await room.page.keyboard.press("Tab");
    await focusIn("c2");
    await room.page.keyboard.press("Shift+Tab");
    await focusIn("c1");
    await room.page.keyboard.press("Escape");
    await room.page.waitForFunction(() => document.activeElement?.getAttribute("name") === "by", undefined, {
      timeout: 5000,
    });

    await editorOf(room.page, "c2").click();
    await room.page.keyboard.press("Control+End");
    await room.page.keyboard.press("End");
    await room.page.keyboard.press("Enter");
    await room.page.locator('article[data-clause="c3"]').waitFor();
    const numbers = await room.page.locator("article.clause .number").allInnerTexts();
    expect(numbers).toEqual(["1", "2", "2 bis"]);
    expect(room.errors).toEqual([]);
  });

  it("the projector view: large type, the clause under discussion highlighted", async () => {
    const t = await startTestServer();
    const browser = await launchBrowser();
    const chair = await openRoom(browser, t.httpUrl, await t.token("chair"), { section: "thematic-priority-4" });
    const projector = await openRoom(browser, t.httpUrl, await t.token("observer"), {
      view: "projector",
      section: "thematic-priority-4",
    });
    await Promise.all([editorOf(chair.page, "c2").waitFor(), editorOf(projector.page, "c2").waitFor()]);
    await editorOf(chair.page, "c2").click();
    await projector.page.locator('article[data-clause="c2"].under-discussion').waitFor();
    expect(await projector.page.locator("body.projector").count()).toBe(1);
    expect(await projector.page.locator("nav#sections").isVisible()).toBe(false);
    await screenshot(projector.page, "projector");
    expect(projector.errors).toEqual([]);
  });
});
