import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const SPEC = readFileSync(join(ROOT, "packages/model/SPEC.md"), "utf8");
const SERVER_RULES = [...SPEC.matchAll(/^- \*\*([A-Z]{2}\d+)\*\* \*\*server\*\*/gm)].map((m) => m[1] ?? "");

/** Titles of `it(...)` in the server-side test folders. */
function testTitles(dir: string): string[] {
  const titles: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".test.ts")) continue;
    const source = readFileSync(join(entry.parentPath, entry.name), "utf8");
    for (const m of source.matchAll(/\bit\(\s*["'`]([^"'`]+)["'`]/g)) titles.push(m[1] ?? "");
  }
  return titles;
}

describe("SPEC.md rules enforced by the server", () => {
  const titles = [...testTitles("test"), ...testTitles("server/test")];

  it("names the server's rules", () => {
    expect(SERVER_RULES.length).toBeGreaterThan(3);
  });

  it.each(SERVER_RULES.map((id) => [id]))(
    "%s is proved by a test in test/ or server/test/ carrying its id in the title",
    (id) => {
      expect(titles.some((title) => new RegExp(`\\b${id}\\b`).test(title))).toBe(true);
    },
  );
});
