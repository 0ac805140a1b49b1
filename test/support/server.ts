import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { EditorKind, Role } from "@gavel/model";
import {
  buildServer,
  type Config,
  type GavelServer,
  loadConfig,
  openSqliteStore,
  type Store,
  secretKey,
  signToken,
} from "@gavel/server";
import { onTestFinished } from "vitest";
import { tempDir } from "./tmp.ts";

export const TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

export interface TestServer {
  readonly server: GavelServer;
  readonly store: Store;
  readonly dataDir: string;
  readonly httpUrl: string;
  readonly wsUrl: string;
  token(
    role: Role,
    options?: { name?: string; delegation?: string | null; session?: string; ttl?: number; sub?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * An in-process server on port 0 over a real SQLite file (or the given store), with the demo
 * session seeded. Closed when the calling test finishes unless `keep` is set (then the caller
 * closes it, e.g. in afterAll).
 */
export async function startTestServer(
  options: {
    store?: Store;
    env?: Record<string, string>;
    keep?: boolean;
    session?: string;
    dataDir?: string;
    /** The session's editor, which decides its clause layout (default tiptap). */
    editor?: EditorKind;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir("gavel-server-");
  const config: Config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "warn", PORT: "0", ...options.env });
  const store = options.store ?? openSqliteStore({ file: join(dataDir, "gavel.sqlite") });
  const secret = secretKey(TEST_SECRET);
  const server = await buildServer(config, { store, secret });
  const session = options.session ?? "demo";
  await server.sessions.ensureSession(session, "wtdc-action-plan", options.editor);
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = server.app.server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await store.close();
  };
  if (!options.keep) onTestFinished(close);
  return {
    server,
    store,
    dataDir,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    token: (role, o = {}) => makeToken(role, { session, ...o }),
    close,
  };
}

let counter = 0;

export function makeToken(
  role: Role,
  o: { name?: string; delegation?: string | null; session?: string; ttl?: number; sub?: string } = {},
): Promise<string> {
  counter += 1;
  const delegation = o.delegation === undefined ? (role === "delegate" ? "AFR" : null) : o.delegation;
  return signToken(
    secretKey(TEST_SECRET),
    {
      sub: o.sub ?? `${role}-${counter}`,
      name: o.name ?? `${role} ${counter}`,
      role,
      delegation,
      session: o.session ?? "demo",
    },
    o.ttl ?? 3600,
  );
}

/** Bounded polling for integration tests: resolves when `check` holds, rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Like waitUntil, for checks that must read the store or the network. */
export async function waitUntilAsync(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
