import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

export interface ClientOptions {
  /** The Vite build of the browser client (client/dist); checked once when the plugin registers. */
  readonly distDir: string;
}

/** Hashed file names (Vite writes them under assets/) never change content: cache them for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The entry page names the current hashed assets: revalidate on every load. */
const REVALIDATE = "no-cache";

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gavel: client not built</title></head>
<body>
  <h1>Gavel</h1>
  <p>The client is not built: run <code>npm run build:client</code> (or <code>npm start</code>, which builds it first),
    then reload this page. The HTTP and WebSocket APIs are up.</p>
</body>
</html>
`;

/**
 * Serves the browser client built by Vite: `/` (any query string, e.g. `/?token=…&view=projector`)
 * answers client/dist/index.html, `/assets/*` the hashed bundles. Registered routes (/api, /y, /collab,
 * /healthz…) keep precedence over the static wildcard; a missing file falls through to the 404 handler.
 * Without a build, `/` answers 503 with a page that says how to build.
 */
export const clientPlugin: FastifyPluginAsync<ClientOptions> = async (app, { distDir }) => {
  if (!existsSync(join(distDir, "index.html"))) {
    app.log.warn({ distDir }, "client not built: run npm run build:client");
    app.get("/", async (_request, reply) =>
      reply.code(503).header("cache-control", REVALIDATE).type("text/html; charset=utf-8").send(NOT_BUILT),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: "/",
    index: ["index.html"],
    // Files are looked up per request, so a rebuild while the server runs is picked up.
    wildcard: true,
    cacheControl: false,
    setHeaders(response, path) {
      const inAssets = relative(distDir, path).split(sep)[0] === "assets";
      response.setHeader("cache-control", inAssets ? IMMUTABLE : REVALIDATE);
    },
  });
  // Browsers ask for it on every page; without one in the build, answer empty rather than 404
  // (which the page would log as a console error).
  if (!existsSync(join(distDir, "favicon.ico"))) {
    app.get("/favicon.ico", async (_request, reply) => reply.code(204).header("cache-control", "max-age=86400").send());
  }
};
