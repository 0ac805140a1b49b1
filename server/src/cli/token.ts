/**
 * `npm run token -- --session S --role R --name N [--delegation D] [--sub ID] [--ttl 8h] [--url URL]`
 * prints a join link and, as the last line, the signed token. Signs with AUTH_SECRET, else with
 * the development secret the server keeps in DATA_DIR (same variables and defaults as the
 * server). It never creates that secret: a token signed with a secret the server does not use
 * would be refused, so without one it stops and says where it looked.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isRole, isValidSegment } from "@gavel/model";
import { devSecretFile, readDevSecret } from "../auth/devSecret.ts";
import { secretKey, signToken } from "../auth/tokens.ts";
import { type Config, loadConfig } from "../config.ts";
import { joinLink, serverUrl } from "./joinLink.ts";

export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match?.[1]) throw new Error(`--ttl must look like 90s, 30m, 8h or 2d, got "${text}"`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? ""] ?? 1;
  return Number(match[1]) * unit;
}

/** AUTH_SECRET, else the server's development secret; which one, for the message. */
function secretOf(config: Config): { secret: string; source: string } {
  if (config.authSecret !== null) return { secret: config.authSecret, source: "AUTH_SECRET" };
  const file = resolve(devSecretFile(config.dataDir));
  const secret = readDevSecret(config.dataDir);
  if (secret === null) {
    throw new Error(
      [
        `No AUTH_SECRET, and no development secret in ${file} (DATA_DIR=${config.dataDir}).`,
        "Tokens must be signed with the secret of the server that will check them:",
        "  - start the server first (npm start creates the development secret), or",
        "  - give the DATA_DIR the server runs with: DATA_DIR=/path/to/data npm run token -- ..., or",
        "  - give the server's AUTH_SECRET: AUTH_SECRET=... npm run token -- ...",
      ].join("\n"),
    );
  }
  return { secret, source: `the development secret in ${file}` };
}

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      session: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
      delegation: { type: "string" },
      sub: { type: "string" },
      ttl: { type: "string", default: "8h" },
      url: { type: "string" },
    },
  });
  const { session, role, name } = values;
  if (!session || !isValidSegment(session)) throw new Error("--session is required ([a-z0-9-])");
  if (!isRole(role)) throw new Error("--role must be chair, secretariat, delegate or observer");
  if (!name) throw new Error("--name is required");
  const config = loadConfig(process.env);
  const base = values.url ?? serverUrl(config);
  if (!/^https?:\/\//.test(base)) throw new Error(`--url must be an http(s) address, got "${base}"`);
  const { secret, source } = secretOf(config);
  const delegation = values.delegation ?? null;
  const sub = values.sub ?? `${role}-${(delegation ?? name).toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const ttl = parseTtl(values.ttl);
  const token = await signToken(secretKey(secret), { sub, name, role, delegation, session }, ttl);
  console.error(`Signed with ${source}.`);
  console.log(
    `Join link for ${name} (${role}${delegation ? `, ${delegation}` : ""}), session "${session}", valid ${values.ttl}:`,
  );
  console.log(`  ${joinLink(base, token)}`);
  console.log(token);
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
