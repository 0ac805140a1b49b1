import type { FastifyPluginAsync } from "fastify";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/Store.ts";

export interface HealthOptions {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly documentsLoaded: () => number;
}

/** Liveness, readiness (the store answers) and Prometheus metrics. */
export const healthPlugin: FastifyPluginAsync<HealthOptions> = async (app, { store, metrics, documentsLoaded }) => {
  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_request, reply) => {
    try {
      await store.ping();
      return { ok: true };
    } catch (error) {
      return reply.code(503).send({ ok: false, error: error instanceof Error ? error.message : "store unreachable" });
    }
  });

  app.get("/metrics", async (_request, reply) => {
    metrics.documentsLoaded.set(documentsLoaded());
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
