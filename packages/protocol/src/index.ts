export * from "./closeCodes.ts";
export * from "./frames.ts";
export * from "./multiplexed.ts";
export * from "./notices.ts";
export * from "./plain.ts";
export * from "./sync.ts";
