import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one server instance (its own registry: no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({
      name: "gavel_connections",
      help: "Open WebSocket connections by endpoint and role",
      labelNames: ["endpoint", "role"] as const,
      registers: [registry],
    }),
    documentsLoaded: new Gauge({
      name: "gavel_documents_loaded",
      help: "Documents held in memory",
      registers: [registry],
    }),
    updates: new Counter({
      name: "gavel_updates_total",
      help: "Client and server updates by outcome (applied, unchanged, refused, invalid, pending, failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    storedUpdatesSkipped: new Counter({
      name: "gavel_stored_updates_skipped_total",
      help: "Stored updates left out of a load because they cannot be integrated (data from before the update check)",
      registers: [registry],
    }),
    closes: new Counter({
      name: "gavel_connection_closes_total",
      help: "Connections the server closed, by close code",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    appendSeconds: new Histogram({
      name: "gavel_store_append_seconds",
      help: "Latency of one group-commit append to the store",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    appendBatch: new Histogram({
      name: "gavel_store_append_batch_records",
      help: "Records per group-commit append",
      buckets: [1, 2, 5, 10, 20, 50, 100, 500],
      registers: [registry],
    }),
    followedUpdates: new Counter({
      name: "gavel_followed_updates_total",
      help: "Updates other nodes appended, applied to documents loaded here (from the store's follower)",
      registers: [registry],
    }),
    tailLagMs: new Gauge({
      name: "gavel_tail_lag_ms",
      help: "Milliseconds from another node's append to its update being applied here (the last one)",
      registers: [registry],
    }),
    tailDeliveryEntries: new Histogram({
      name: "gavel_tail_delivery_entries",
      help: "Entries the follower delivered at once for one document (a backlog shows as large deliveries)",
      buckets: [1, 2, 5, 10, 50, 100, 256],
      registers: [registry],
    }),
    conflictsRetried: new Counter({
      name: "gavel_index_conflicts_total",
      help: "Section index commands decided on a state another node had moved on from, decided again",
      registers: [registry],
    }),
    appendFailures: new Counter({
      name: "gavel_store_append_failed_batches_total",
      help: "Group-commit appends the store failed (their records were failed and resent by clients)",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
