import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "server/test/**/*.test.ts", "test/**/*.test.ts"],
    // Builds client/dist once per run (skipped with GAVEL_SKIP_CLIENT_BUILD=1); the browser tests load it.
    globalSetup: ["test/support/buildClient.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
