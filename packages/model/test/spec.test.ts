import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULE_ERROR_CODES, RULE_IDS } from "../src/index.ts";

const SPEC = readFileSync(new URL("../SPEC.md", import.meta.url), "utf8");
const TEST_DIR = new URL("./", import.meta.url);
const TESTS = readdirSync(TEST_DIR)
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => readFileSync(new URL(name, TEST_DIR), "utf8"))
  .join("\n");

/** The rules of SPEC.md: `- **ID** text`, with the text up to the next rule. */
const RULES = [...SPEC.matchAll(/^- \*\*([A-Z]{2}\d+)\*\* ([\s\S]*?)(?=^- \*\*|^## |(?![\s\S]))/gm)].map((m) => ({
  id: m[1] ?? "",
  text: (m[2] ?? "").replace(/\s+/g, " "),
}));
const SERVER = "**server** (enforced by the server; tests in test/)";

describe("SPEC.md", () => {
  it("lists exactly the rule ids rules.ts knows, in order", () => {
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
  });

  it.each(RULES.map((r) => [r.id, r] as const))("%s cites only error codes of the catalogue", (_, rule) => {
    const codes = (rule.text.match(/`[A-Z_]{6,}`/g) ?? []).map((code) => code.slice(1, -1));
    for (const code of codes) expect(RULE_ERROR_CODES).toContain(code);
  });

  it.each(RULES.filter((r) => !r.text.startsWith(SERVER)).map((r) => [r.id] as const))(
    "%s is proved by a test carrying its id in the title",
    (id) => {
      expect(TESTS).toMatch(new RegExp(`["'\`]${id}: `));
    },
  );

  it("marks the rules the server enforces", () => {
    const server = RULES.filter((r) => r.text.startsWith(SERVER)).map((r) => r.id);
    expect(server).toEqual(["CS6", "LK4", "LK5", "LK6", "BO5", "AU1", "CL4"]);
  });
});
