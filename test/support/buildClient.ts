import { fileURLToPath } from "node:url";
import { build } from "vite";

/**
 * Vitest globalSetup: builds the browser client once per run, so the in-process servers of the
 * tests serve a current client/dist. `GAVEL_SKIP_CLIENT_BUILD=1` skips it (e.g. when iterating on
 * server tests with a build already in place).
 */
export default async function buildClient(): Promise<void> {
  if (process.env.GAVEL_SKIP_CLIENT_BUILD === "1") return;
  const started = Date.now();
  await build({
    configFile: fileURLToPath(new URL("../../client/vite.config.ts", import.meta.url)),
    logLevel: "warn",
  });
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 20) console.warn(`client build took ${seconds.toFixed(1)} s`);
}
