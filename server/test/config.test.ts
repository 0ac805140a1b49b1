import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("uses the documented defaults for an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 1234,
      host: "127.0.0.1",
      dataDir: "./data",
      redisUrl: null,
      redisClusterNodes: null,
      redisPrefix: "gavel:",
      redisLeaseMs: 10_000,
      authSecret: null,
      allowedOrigins: [],
      logLevel: "info",
      maxMessageBytes: 1_048_576,
      maxBufferedBytes: 16 * 1_048_576,
      maxFramesPerSecond: 500,
      unloadAfterMs: 30_000,
      sqliteWriterIdleMs: 30_000,
      compactEvery: 500,
      keepAliveMs: 30_000,
      authDeadlineMs: 10_000,
      maxUnauthenticatedSockets: 500,
      secretariatMayLock: false,
      nodeId: null,
      sharedStore: false,
      demoSession: "demo",
    });
  });

  it("refuses a REDIS_PREFIX with braces (they would change the hash tag of a section's keys)", () => {
    expect(() => loadConfig({ REDIS_PREFIX: "gavel{x}:" })).toThrow(/REDIS_PREFIX/);
    expect(loadConfig({ REDIS_PREFIX: "team-a:" }).redisPrefix).toBe("team-a:");
  });

  it("reads REDIS_CLUSTER_NODES as host:port entries and refuses anything else", () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: " 10.0.0.1:7000, redis-b:7001 " }).redisClusterNodes).toEqual([
      "10.0.0.1:7000",
      "redis-b:7001",
    ]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: " " }).redisClusterNodes).toBeNull();
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: "redis://a:7000" })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it("reads SECRETARIAT_MAY_LOCK as a boolean and refuses anything else", () => {
    expect(loadConfig({ SECRETARIAT_MAY_LOCK: "true" }).secretariatMayLock).toBe(true);
    expect(loadConfig({ SECRETARIAT_MAY_LOCK: "0" }).secretariatMayLock).toBe(false);
    expect(() => loadConfig({ SECRETARIAT_MAY_LOCK: "yes" })).toThrow(/SECRETARIAT_MAY_LOCK/);
  });

  it("treats blank values as unset", () => {
    const config = loadConfig({ PORT: "  ", HOST: " ", DATA_DIR: "", AUTH_SECRET: "   ", REDIS_URL: "" });
    expect(config.port).toBe(1234);
    expect(config.host).toBe("127.0.0.1");
    expect(config.dataDir).toBe("./data");
    expect(config.authSecret).toBeNull();
    expect(config.redisUrl).toBeNull();
  });

  it("reads explicit values, trimmed", () => {
    const config = loadConfig({
      PORT: " 8080 ",
      HOST: "0.0.0.0",
      DATA_DIR: "/var/lib/gavel",
      REDIS_URL: "redis://localhost:6379",
      AUTH_SECRET: ` ${"s".repeat(32)} `,
      LOG_LEVEL: "debug",
      COMPACT_EVERY: "10",
      UNLOAD_AFTER_MS: "0",
      SQLITE_WRITER_IDLE_MS: "0",
      DEMO_SESSION: "",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "/var/lib/gavel",
      redisUrl: "redis://localhost:6379",
      authSecret: "s".repeat(32),
      logLevel: "debug",
      compactEvery: 10,
      unloadAfterMs: 0,
      sqliteWriterIdleMs: 0,
      demoSession: "",
    });
  });

  it.each(["abc", "-1", "65536", "1.5", "80a"])("rejects PORT=%j with a ConfigError naming PORT", (port) => {
    const error = configError({ PORT: port });
    expect(error.name).toBe("ConfigError");
    expect(error.message).toMatch(/^PORT /);
    expect(error.message).toContain(port);
  });

  it("accepts the PORT bounds 0 and 65535", () => {
    expect(loadConfig({ PORT: "0" }).port).toBe(0);
    expect(loadConfig({ PORT: "65535" }).port).toBe(65535);
  });

  it.each([
    ["MAX_MESSAGE_BYTES", "1023"],
    ["MAX_BUFFERED_BYTES", "100"],
    ["MAX_FRAMES_PER_SECOND", "0"],
    ["UNLOAD_AFTER_MS", "-5"],
    ["COMPACT_EVERY", "0"],
    ["KEEPALIVE_MS", "99"],
  ])("rejects %s=%s with a ConfigError naming the variable", (key, value) => {
    expect(configError({ [key]: value }).message).toMatch(new RegExp(`^${key} `));
  });

  it.each(["verbose", "INFO", "warning"])("rejects LOG_LEVEL=%j with a ConfigError naming LOG_LEVEL", (level) => {
    expect(configError({ LOG_LEVEL: level }).message).toMatch(/LOG_LEVEL/);
  });

  it("accepts every documented log level", () => {
    for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]) {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
  });

  it("rejects an AUTH_SECRET shorter than 32 characters (after trimming) and names it", () => {
    expect(configError({ AUTH_SECRET: "short" }).message).toMatch(/AUTH_SECRET/);
    expect(configError({ AUTH_SECRET: ` ${"s".repeat(31)} ` }).message).toMatch(/AUTH_SECRET/);
    expect(loadConfig({ AUTH_SECRET: "s".repeat(32) }).authSecret).toBe("s".repeat(32));
  });

  it("splits ALLOWED_ORIGINS on commas, trimming and dropping empty items", () => {
    expect(loadConfig({ ALLOWED_ORIGINS: " https://a.example , ,https://b.example:8443,, " }).allowedOrigins).toEqual([
      "https://a.example",
      "https://b.example:8443",
    ]);
    expect(loadConfig({ ALLOWED_ORIGINS: "https://only.example" }).allowedOrigins).toEqual(["https://only.example"]);
    expect(loadConfig({ ALLOWED_ORIGINS: " , " }).allowedOrigins).toEqual([]);
  });
});
