import { createRequire } from "node:module";
import type { Locator, Page } from "playwright-core";
import { type ApiClause, type ApiSection, api } from "../support/api.ts";
import { waitUntilAsync } from "../support/server.ts";

/*
 * What a person sees and does in the drafting room, editor-agnostic: the clause editor is the
 * element with role textbox inside the clause's article, whatever editor draws it.
 */

export const clauseOf = (page: Page, clause: string): Locator => page.locator(`article[data-clause="${clause}"]`);
export const editorOf = (page: Page, clause: string): Locator => clauseOf(page, clause).locator('[role="textbox"]');
export const actionButton = (page: Page, action: string): Locator => page.locator(`.toolbar [data-action="${action}"]`);

/** Waits until the clause's editor shows its text (the editor exists before its document syncs). */
export async function clauseReady(page: Page, clause: string): Promise<void> {
  await editorOf(page, clause).waitFor();
  await page.waitForFunction(
    (id) => (document.querySelector(`article[data-clause="${id}"] [role="textbox"]`)?.textContent ?? "").trim() !== "",
    clause,
  );
}

/** Widgets an editor draws that are not text: remote carets, footnote numbers, proposers. */
const NOT_TEXT =
  ".collaboration-carets__caret, .footnote-ref, .proposers, .ProseMirror-separator, .ProseMirror-trailingBreak";

/** The text as the page shows it, as the server prints it: paragraphs by newline, literal brackets. */
export async function shownText(page: Page, clause: string): Promise<string> {
  return editorOf(page, clause).evaluate((element, notText) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const extra of copy.querySelectorAll(notText)) extra.remove();
    return [...copy.querySelectorAll("p")].map((p) => (p.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  }, NOT_TEXT);
}

export async function clickAtEnd(page: Page, clause: string): Promise<void> {
  await editorOf(page, clause).click();
  await page.keyboard.press("Control+End");
}

/**
 * Puts a DOM selection over `text` (or a cursor `collapseAt` characters into it), as the editor
 * will read it; true when, after the editor's next frames, the page's selection is still there.
 */
async function placeSelection(page: Page, clause: string, text: string, collapseAt: number | null): Promise<boolean> {
  await editorOf(page, clause).click();
  const found = await editorOf(page, clause).evaluate(
    (element, [wanted, at, notText]) => {
      // Text nodes in order, skipping widgets (a remote caret splits a word into two nodes).
      const nodes: Text[] = [];
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.parentElement?.closest(notText as string)) nodes.push(node as Text);
      }
      const whole = nodes.map((n) => n.data).join("");
      const start = whole.indexOf(wanted as string);
      if (start < 0) return false;
      const locate = (offset: number): [Text, number] => {
        let rest = offset;
        for (const node of nodes) {
          if (rest <= node.data.length) return [node, rest];
          rest -= node.data.length;
        }
        const last = nodes[nodes.length - 1] as Text;
        return [last, last.data.length];
      };
      const range = document.createRange();
      if (at === null) {
        range.setStart(...locate(start));
        range.setEnd(...locate(start + (wanted as string).length));
      } else {
        range.setStart(...locate(start + (at as number)));
        range.collapse(true);
      }
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      return true;
    },
    [text, collapseAt, NOT_TEXT] as const,
  );
  if (!found) throw new Error(`"${text}" is not in clause ${clause}`);
  // The editor reads the DOM selection on selectionchange, on its next frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return editorOf(page, clause).evaluate(
    (element, [wanted, at, notText]) => {
      const selection = window.getSelection();
      if (!selection?.anchorNode || !element.contains(selection.anchorNode)) return false;
      if (at === null) return selection.toString().includes(wanted as string);
      // The caret's offset in the clause's text, counted as above.
      const nodes: Text[] = [];
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.parentElement?.closest(notText as string)) nodes.push(node as Text);
      }
      const whole = nodes.map((n) => n.data).join("");
      // The anchor may be a text node or an element (after a widget): count what lies before it.
      const before = document.createRange();
      before.setStart(element, 0);
      before.setEnd(selection.anchorNode, selection.anchorOffset);
      let offset = 0;
      for (const node of nodes) {
        if (node === selection.anchorNode) offset += selection.anchorOffset;
        else if (before.intersectsNode(node)) offset += node.data.length;
      }
      return offset === whole.indexOf(wanted as string) + (at as number);
    },
    [text, collapseAt, NOT_TEXT] as const,
  );
}

/**
 * A remote update that lands between a DOM selection and the editor's reading of it puts the
 * editor's previous selection back (a test sets the selection without the mouse the editors
 * watch for that race): a person sees the highlight or caret go and clicks again. So do we, a
 * few times; a selection the editor never keeps still fails.
 */
async function placeKept(page: Page, clause: string, text: string, collapseAt: number | null): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await placeSelection(page, clause, text, collapseAt)) return;
  }
  const shown = await page.evaluate(() => window.getSelection()?.toString() ?? "");
  throw new Error(`placing the selection at "${text}" in ${clause} did not hold (the page shows "${shown}")`);
}

/** Selects the first occurrence of `text` in the clause, as a person dragging over it would. */
export async function selectText(page: Page, clause: string, text: string): Promise<void> {
  await placeKept(page, clause, text, null);
}

/** Puts the cursor right after `text`, as a click just past its last letter would. */
export async function cursorAfter(page: Page, clause: string, text: string): Promise<void> {
  await placeKept(page, clause, text, text.length);
}

/** The clause's text with each footnote number drawn as {n}: where the numbers stand. */
export async function textWithFootnotes(page: Page, clause: string): Promise<string> {
  return editorOf(page, clause).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const ref of copy.querySelectorAll(".footnote-ref")) ref.replaceWith(`{${ref.textContent ?? ""}}`);
    for (const extra of copy.querySelectorAll(".collaboration-carets__caret, .proposers")) extra.remove();
    return (copy.textContent ?? "").replace(/\u00a0/g, " ");
  });
}

/** Puts the cursor inside `text` (one character after its start). */
export async function cursorIn(page: Page, clause: string, text: string): Promise<void> {
  await placeKept(page, clause, text, 1);
}

export async function serverClause(
  httpUrl: string,
  token: string,
  section: string,
  clause: string,
): Promise<ApiClause> {
  const { body } = await api<ApiSection>(httpUrl, token, "GET", `/api/sessions/demo/sections/${section}`);
  const found = body.clauses.find((c) => c.id === clause);
  if (!found) throw new Error(`no clause ${clause} in ${section}`);
  return found;
}

export async function serverText(httpUrl: string, token: string, section: string, clause: string): Promise<string> {
  return (await serverClause(httpUrl, token, section, clause)).text;
}

/**
 * Waits until the server and every page in `pages` hold exactly `expected` in the clause; on
 * timeout, the error shows what the server holds beside what was expected.
 */
export async function untilTextEverywhere(
  where: { readonly httpUrl: string; readonly token: string; readonly section: string; readonly clause: string },
  /** The text, or the texts any one of which will do (e.g. two concurrent words in either order). */
  expected: string | readonly string[],
  pages: readonly Page[],
  what: string,
): Promise<string> {
  const { httpUrl, token, section, clause } = where;
  const allowed = typeof expected === "string" ? [expected] : expected;
  const stored = () => serverText(httpUrl, token, section, clause);
  let found = "";
  const check = async () => {
    found = await stored();
    if (!allowed.includes(found)) return false;
    for (const page of pages) if ((await shownText(page, clause)) !== found) return false;
    return true;
  };
  await waitUntilAsync(check, what, 15_000).catch(async (error: unknown) => {
    const shown = await Promise.all(pages.map((page) => shownText(page, clause)));
    throw new Error(
      `${String(error)}\nexpected: ${JSON.stringify(expected)}\nstored:   ${JSON.stringify(await stored())}\nshown:    ${JSON.stringify(shown)}`,
    );
  });
  return found;
}

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly failureSummary?: string }[];
}

/** Runs axe-core in the page (every rule axe enables by default) and returns its violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

/** No horizontal scrolling: the page is no wider than the viewport. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The room's editors: the scenarios that prove the room run in both (describe.each, never copied). */
export const EDITORS = ["tiptap", "lexical"] as const;

/** A screenshot's name for an editor: the Tiptap room keeps its names, the Lexical room's end in -lexical. */
export const shotOf = (name: string, editor: (typeof EDITORS)[number]): string =>
  editor === "tiptap" ? name : `${name}-lexical`;
