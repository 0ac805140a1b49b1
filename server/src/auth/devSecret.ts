import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/*
 * Development only: without AUTH_SECRET the server keeps a random secret in DATA_DIR so that
 * tokens printed at start stay valid across restarts.
 */

/** The development secret the server keeps in DATA_DIR, or null when it has none yet. */
export function readDevSecret(dataDir: string): string | null {
  const file = devSecretFile(dataDir);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

export function devSecretFile(dataDir: string): string {
  return join(dataDir, "auth-secret");
}

/** The server's development secret, created on its first start. */
export function loadOrCreateDevSecret(dataDir: string): { secret: string; created: boolean } {
  const file = devSecretFile(dataDir);
  const existing = readDevSecret(dataDir);
  if (existing !== null) return { secret: existing, created: false };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, created: true };
}
