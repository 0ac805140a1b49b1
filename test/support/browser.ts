import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { onTestFinished } from "vitest";

/** Debian's chromium unless CHROMIUM_PATH says otherwise; CI installs it (.ci/run), so a missing one fails. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Where screenshots go: test-artifacts/screenshots on every run (look at them there), and
 * docs/screenshots, the README's images, only when `GAVEL_SCREENSHOTS=docs` (`npm run screenshots`),
 * so an ordinary test run does not rewrite committed files.
 */
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.GAVEL_SCREENSHOTS === "docs" ? "../../docs/screenshots/" : "../../test-artifacts/screenshots/",
    import.meta.url,
  ),
);

/**
 * A headless Chromium. Closed when the calling test finishes unless `keep` is set (then the
 * caller closes it, e.g. in afterAll, and may share it between tests).
 */
export async function launchBrowser(options: { keep?: boolean } = {}): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  if (!options.keep) onTestFinished(() => browser.close());
  return browser;
}

export interface Room {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors, in order; tests assert it stays empty. */
  readonly errors: string[];
}

/**
 * Opens the client at `${baseUrl}/?token=…[&view=…]` in a fresh context (its own storage, so
 * several identities can share one browser) and waits for the load event. The context closes
 * when the calling test finishes unless `keep` is set.
 */
export async function openRoom(
  browser: Browser,
  baseUrl: string,
  token: string,
  options: {
    view?: string;
    keep?: boolean;
    section?: string;
    viewport?: { readonly width: number; readonly height: number };
  } = {},
): Promise<Room> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  if (!options.keep) onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const { url } = message.location();
    errors.push(`console: ${message.text()}${url ? ` (${url})` : ""}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.stack ?? error.message}`));
  const query = new URLSearchParams({ token });
  if (options.view !== undefined) query.set("view", options.view);
  await page.goto(`${baseUrl}/?${query}${options.section ? `#${options.section}` : ""}`, { waitUntil: "load" });
  return { context, page, errors };
}

/** Writes <name>.png into SCREENSHOTS (the directory is created when missing); returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
