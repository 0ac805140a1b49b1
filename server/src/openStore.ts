import { join } from "node:path";
import type { Config } from "./config.ts";
import { openRedisStore } from "./store/redisStore.ts";
import type { Store } from "./store/Store.ts";
import { openSqliteStore } from "./store/sqliteStore.ts";

/** Redis when REDIS_URL is set, else the embedded SQLite file in DATA_DIR. */
export async function openStore(
  config: Config,
  onError: (error: unknown) => void,
): Promise<{ store: Store; kind: string }> {
  if (config.redisUrl) {
    return {
      store: await openRedisStore({ url: config.redisUrl, prefix: config.redisPrefix, onError }),
      kind: "redis",
    };
  }
  return { store: openSqliteStore({ file: join(config.dataDir, "gavel.sqlite") }), kind: "sqlite" };
}
