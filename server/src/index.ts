export { secretKey, signToken, type TokenClaims, verifyToken } from "./auth/tokens.ts";
export { buildServer, type GavelServer, type ServerDeps } from "./buildServer.ts";
export { type Config, loadConfig } from "./config.ts";
export { GroupCommit } from "./core/GroupCommit.ts";
export { openRedisStore } from "./store/redisStore.ts";
export type { Store, StoredUpdate, UpdateAuthor, UpdateRecord } from "./store/Store.ts";
export { openSqliteStore } from "./store/sqliteStore.ts";
