import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/*
 * The server reads and writes clause text only through the session's ClauseLayout
 * (@gavel/model): no file of server/src names a clause document's root types, walks their
 * deltas, or calls the layout-bound free functions.
 */

const ROOT = join(import.meta.dirname, "..", "src");
const FORBIDDEN = [
  /getXmlFragment\(/,
  /\bXmlElement\b/,
  /\bCLAUSE_FRAGMENT\b/,
  /\bLEXICAL_ROOT\b/,
  /\breadClause(PlainText)?\(/,
  /\bwriteClauseText\(/,
  /\.toDelta\(/,
  /\bdoc\.get\(/,
  /\.getText\(/,
  /new Y\.XmlText\(/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the clause layout boundary", () => {
  it("CL4: no file of server/src touches a clause's Yjs types except through the layout", () => {
    const offences: string[] = [];
    for (const file of sources(ROOT)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (FORBIDDEN.some((pattern) => pattern.test(line)))
            offences.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offences).toEqual([]);
    expect(sources(ROOT).length).toBeGreaterThan(30);
  });
});
