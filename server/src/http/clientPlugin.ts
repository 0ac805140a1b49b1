import { readFile } from "node:fs/promises";
import type { FastifyPluginAsync } from "fastify";

export interface ClientOptions {
  /** The page served at `/`; read once when the plugin registers. */
  readonly indexHtml: string;
}

/** Serves the browser client's entry page. */
export const clientPlugin: FastifyPluginAsync<ClientOptions> = async (app, { indexHtml }) => {
  const page = await readFile(indexHtml, "utf8");
  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(page));
};
