/**
 * `npm run token -- --session S --role R --name N [--delegation D] [--sub ID] [--ttl 8h]`
 * prints a signed join token as the last line. Uses AUTH_SECRET, else the development secret
 * in DATA_DIR (the one `npm start` uses).
 */
import { parseArgs } from "node:util";
import { isRole, isValidSegment } from "@gavel/model";
import { loadOrCreateDevSecret } from "../auth/devSecret.ts";
import { secretKey, signToken } from "../auth/tokens.ts";
import { loadConfig } from "../config.ts";

export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match?.[1]) throw new Error(`--ttl must look like 90s, 30m, 8h or 2d, got "${text}"`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? ""] ?? 1;
  return Number(match[1]) * unit;
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
    },
  });
  const { session, role, name } = values;
  if (!session || !isValidSegment(session)) throw new Error("--session is required ([a-z0-9-])");
  if (!isRole(role)) throw new Error("--role must be chair, secretariat, delegate or observer");
  if (!name) throw new Error("--name is required");
  const config = loadConfig(process.env);
  const secret = config.authSecret ?? loadOrCreateDevSecret(config.dataDir).secret;
  const delegation = values.delegation ?? null;
  const sub = values.sub ?? `${role}-${(delegation ?? name).toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const token = await signToken(secretKey(secret), { sub, name, role, delegation, session }, parseTtl(values.ttl));
  console.log(token);
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
