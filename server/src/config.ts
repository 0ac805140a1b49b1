/**
 * The server's configuration, read from the environment once (in main.ts) and validated here.
 * Every variable is in the README's configuration table.
 */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Redis URL; when absent the embedded SQLite store in dataDir is used. */
  readonly redisUrl: string | null;
  /** `host:port` of some nodes of a Redis Cluster (REDIS_CLUSTER_NODES); when set, used instead of REDIS_URL. */
  readonly redisClusterNodes: readonly string[] | null;
  readonly redisPrefix: string;
  /** TTL of the node's lease on its Redis store (one owner per store); renewed every third of it. */
  readonly redisLeaseMs: number;
  /** HS256 secret; when absent a development secret is created in dataDir. */
  readonly authSecret: string | null;
  /** Exact Origin values allowed to open sockets; empty means any. */
  readonly allowedOrigins: readonly string[];
  readonly logLevel: LogLevel;
  readonly maxMessageBytes: number;
  /** Bytes a connection may have queued for sending before it is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  readonly maxFramesPerSecond: number;
  readonly unloadAfterMs: number;
  /** The SQLite writer thread stops after this long without a write (0: never); it restarts on the next. */
  readonly sqliteWriterIdleMs: number;
  readonly compactEvery: number;
  readonly keepAliveMs: number;
  /** A tokenless /collab socket with no authenticated document by then is closed (4401). */
  readonly authDeadlineMs: number;
  /** Tokenless /collab sockets waiting for their first document; beyond it upgrades get 503. */
  readonly maxUnauthenticatedSockets: number;
  /** SHARED_STORE: several nodes share the Redis store (each one sets it); else one node owns it. */
  readonly sharedStore: boolean;
  /** NODE_ID: this node's name in the store's records and in logs (each process adds a random part); host and process when unset. */
  readonly nodeId: string | null;
  /** Whether the secretariat may lock and unlock clauses (LK1); by default only the chair. */
  readonly secretariatMayLock: boolean;
  /** Session created from the WTDC template at start, unless empty. */
  readonly demoSession: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const logLevel = (env.LOG_LEVEL ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const authSecret = env.AUTH_SECRET?.trim() || null;
  if (authSecret !== null && authSecret.length < 32)
    throw new ConfigError("AUTH_SECRET must be at least 32 characters");
  return {
    port: int(env, "PORT", 1234, 0, 65535),
    host: env.HOST?.trim() || "127.0.0.1",
    dataDir: env.DATA_DIR?.trim() || "./data",
    redisUrl: env.REDIS_URL?.trim() || null,
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
    redisPrefix: prefixOf(env.REDIS_PREFIX),
    redisLeaseMs: int(env, "REDIS_LEASE_MS", 10_000, 1_000, 600_000),
    authSecret,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    logLevel,
    maxMessageBytes: int(env, "MAX_MESSAGE_BYTES", 1_048_576, 1024, 64 * 1_048_576),
    maxBufferedBytes: int(env, "MAX_BUFFERED_BYTES", 16 * 1_048_576, 65_536, 1024 * 1_048_576),
    maxFramesPerSecond: int(env, "MAX_FRAMES_PER_SECOND", 500, 1, 1_000_000),
    unloadAfterMs: int(env, "UNLOAD_AFTER_MS", 30_000, 0, 86_400_000),
    sqliteWriterIdleMs: int(env, "SQLITE_WRITER_IDLE_MS", 30_000, 0, 86_400_000),
    compactEvery: int(env, "COMPACT_EVERY", 500, 1, 1_000_000),
    keepAliveMs: int(env, "KEEPALIVE_MS", 30_000, 100, 3_600_000),
    authDeadlineMs: int(env, "AUTH_DEADLINE_MS", 10_000, 100, 600_000),
    maxUnauthenticatedSockets: int(env, "MAX_UNAUTHENTICATED_SOCKETS", 500, 1, 1_000_000),
    secretariatMayLock: bool(env, "SECRETARIAT_MAY_LOCK", false),
    nodeId: env.NODE_ID?.trim() || null,
    sharedStore: bool(env, "SHARED_STORE", false),
    demoSession: env.DEMO_SESSION === undefined ? "demo" : env.DEMO_SESSION.trim(),
  };
}

/** Braces would change the hash tag that keeps a section's keys in one cluster slot. */
function prefixOf(raw: string | undefined): string {
  const prefix = raw?.trim() || "gavel:";
  if (/[{}]/.test(prefix)) throw new ConfigError(`REDIS_PREFIX must not contain { or }, got "${prefix}"`);
  return prefix;
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

function clusterNodes(raw: string | undefined): readonly string[] | null {
  const nodes = (raw ?? "")
    .split(",")
    .map((node) => node.trim())
    .filter(Boolean);
  if (nodes.length === 0) return null;
  const bad = nodes.find((node) => !HOST_PORT.test(node));
  if (bad !== undefined) throw new ConfigError(`REDIS_CLUSTER_NODES must be host:port,host:port..., got "${bad}"`);
  return nodes;
}

function bool(env: Readonly<Record<string, string | undefined>>, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

function int(
  env: Readonly<Record<string, string | undefined>>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[key]?.trim();
  if (!raw) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
