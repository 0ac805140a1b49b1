import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { ClauseLayout, DocName } from "@gavel/model";
import Fastify, { type FastifyInstance } from "fastify";
import { tokenVerifier, type VerifiedToken } from "./auth/tokens.ts";
import type { Config } from "./config.ts";
import { CommandService } from "./core/CommandService.ts";
import type { DocumentHost } from "./core/DocumentHost.ts";
import { DocumentRegistry } from "./core/DocumentRegistry.ts";
import { DEFAULT_BATCH_LIMITS, GroupCommit } from "./core/GroupCommit.ts";
import { HistoryService } from "./core/HistoryService.ts";
import { SessionService } from "./core/SessionService.ts";
import { SessionViews } from "./core/SessionViews.ts";
import { errorBody, GavelError, requestErrorOf } from "./errors.ts";
import { clientPlugin } from "./http/clientPlugin.ts";
import { collabPlugin } from "./http/collabPlugin.ts";
import { commandsPlugin } from "./http/commandsPlugin.ts";
import { exportPlugin } from "./http/exportPlugin.ts";
import { healthPlugin } from "./http/healthPlugin.ts";
import { historyPlugin } from "./http/historyPlugin.ts";
import { DebugRequestLog } from "./http/requestLog.ts";
import { sessionsPlugin } from "./http/sessionsPlugin.ts";
import { createMetrics } from "./metrics.ts";
import { LocalFollower } from "./store/localFollower.ts";
import type { FollowHandler, Store, StoredUpdate, UpdateAuthor } from "./store/Store.ts";

export interface ServerDeps {
  readonly store: Store;
  /** The HS256 key that signs and verifies tokens. */
  readonly secret: Uint8Array;
}

export interface GavelServer {
  readonly app: FastifyInstance;
  readonly sessions: SessionService;
  readonly registry: DocumentRegistry;
  readonly commands: CommandService;
  /** Stops accepting, closes sockets, flushes the store and snapshots loaded documents. */
  close(): Promise<void>;
}

/** How often live figures that the store failed to take are tried again. */
const FIGURES_RETRY_MS = 1_000;

/** Builds the app without listening and without reading the environment. */
export async function buildServer(config: Config, deps: ServerDeps): Promise<GavelServer> {
  const { store, secret } = deps;
  // This process's name in the store: NODE_ID (else the host and process) and a random part, so
  // that two nodes given the same NODE_ID, or a node restarted after a crash, never take each
  // other's appends (or presence) for their own.
  const nodeId = `${config.nodeId ?? `${hostname()}-${process.pid}`}~${randomBytes(4).toString("hex")}`;
  const app = Fastify({
    // Every log line names the node, as its records in the store do.
    logger: { level: config.logLevel, base: { pid: process.pid, hostname: hostname(), node: nodeId } },
    logController: new DebugRequestLog(),
    bodyLimit: config.maxMessageBytes,
    // Decode at the edge: a body of the wrong shape is refused, never coerced ({"text": 5} is not
    // the text "5") nor trimmed of fields the schema does not know.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  // The API speaks JSON only: any other body is 415 UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser("text/plain");
  const log = (message: string, error?: unknown) => app.log.error({ err: error }, message);
  const metrics = createMetrics();
  // Documents enter memory from the store's follower: Redis' own (entries of every node), or
  // the local one (SQLite: what this node's group commit stored).
  let deliver: FollowHandler = () => {};
  const local = store.follow ? null : new LocalFollower((doc, entries) => deliver(doc, entries));
  const follower =
    local ??
    store.follow?.(
      (doc, entries) => deliver(doc, entries),
      (error) => app.log.warn({ err: error }, "following the store failed; retrying"),
    );
  const presenceBus = store.presence?.(nodeId, (error) =>
    app.log.warn({ err: error }, "presence between nodes failed"),
  );
  const commit = new GroupCommit(
    store,
    {
      appended: (seconds, records) => {
        metrics.appendSeconds.observe(seconds);
        metrics.appendBatch.observe(records);
      },
      failed: (error, records) => {
        metrics.appendFailures.inc();
        app.log.warn({ err: error, records }, "a store append failed: its records were refused");
      },
      conflicted: () => metrics.conflictsRetried.inc(),
      ...(local ? { stored: (entries: readonly StoredUpdate[]) => local.feed(entries) } : {}),
    },
    DEFAULT_BATCH_LIMITS,
    nodeId,
  );
  // Set once the command service exists: live figures follow every accepted clause edit (CS6).
  let afterPersist: (host: DocumentHost, author: UpdateAuthor) => void = () => {};
  const registry = new DocumentRegistry(
    store,
    commit,
    {
      unloadAfterMs: config.unloadAfterMs,
      compactEvery: config.compactEvery,
      // Resolved once per load, from the session record (cached by the session service).
      layoutOf: (name): Promise<ClauseLayout> => sessions.layoutOf(name.session),
      ...(follower ? { follower } : {}),
      ...(presenceBus ? { presenceBus } : {}),
    },
    {
      onOutcome: (outcome) => metrics.updates.inc({ outcome }),
      onError: log,
      onPersisted: (host, author) => afterPersist(host, author),
      onFollowed: (_host, entry) => {
        metrics.followedUpdates.inc();
        metrics.tailLagMs.set(Math.max(0, Date.now() - entry.at));
      },
      onSkipped: (skipped) => {
        metrics.storedUpdatesSkipped.inc();
        app.log.warn(skipped, `left out a stored update of ${skipped.doc} that cannot be integrated`);
      },
    },
  );
  deliver = (doc, entries) => {
    metrics.tailDeliveryEntries.observe(entries.length);
    registry.receive(doc, entries);
  };
  const sessions = new SessionService(store, commit, registry);
  const views = new SessionViews(sessions, registry);
  const history = new HistoryService(store, commit, sessions);
  const commands = new CommandService(sessions, registry, { secretariatMayLock: config.secretariatMayLock });
  // Once per batch and clause: the edits stored together are followed by one look at the figures.
  const edited = new Map<DocumentHost, UpdateAuthor>();
  afterPersist = (host, author) => {
    if (host.name.kind !== "clause") return;
    if (edited.size === 0) setImmediate(followEdits);
    edited.set(host, author);
  };
  const followEdits = () => {
    const batch = [...edited];
    edited.clear();
    for (const [host, author] of batch) {
      commands.afterClauseEdit(host, author).then(
        (stored) => (stored ? figuresStored(host) : figuresFailed(host, author, null)),
        (error: unknown) => figuresFailed(host, author, error),
      );
    }
  };
  /**
   * Clauses whose figures did not reach the index (the store failed, or could not be read back),
   * by document name: they are tried again every FIGURES_RETRY_MS until they are stored, so that
   * a clause nobody edits again after an outage does not keep stale counts, even when its copy
   * was dropped from memory meanwhile (it is loaded again for the look). Said once per outage.
   */
  const staleFigures = new Map<string, NodeJS.Timeout>();
  const figuresStored = (host: DocumentHost) => {
    const timer = staleFigures.get(host.name.name);
    if (timer === undefined) return;
    clearTimeout(timer);
    staleFigures.delete(host.name.name);
    app.log.info(`figures of ${host.name.name} stored after an outage`);
  };
  let closing = false;
  /** A copy dropped from memory before its figures were stored: loaded again for one look. */
  const retryUnloaded = (name: DocName, author: UpdateAuthor) =>
    registry
      .withDocument(name, async (host) => {
        host.markBracketChange();
        return { host, stored: await commands.afterClauseEdit(host, author) };
      })
      .then(
        ({ host, stored }) => (stored ? figuresStored(host) : figuresFailed(host, author, null)),
        (error: unknown) => {
          // Deleted meanwhile: no figures to keep.
          if (error instanceof GavelError && error.code === "UNKNOWN_DOCUMENT") staleFigures.delete(name.name);
          // It could not be read (the store is still out): tried again like a failed write.
          else figuresFailedFor(name, () => retryUnloaded(name, author), error instanceof GavelError ? error : null);
        },
      );
  const figuresFailed = (host: DocumentHost, author: UpdateAuthor, error: unknown) => {
    // The next look reads the brackets again, whatever the clause's next edit touches.
    host.markBracketChange();
    figuresFailedFor(
      host.name,
      () => (host.gone ? retryUnloaded(host.name, author) : afterPersist(host, author)),
      error,
    );
  };
  const figuresFailedFor = (name: DocName, retry: () => void, error: unknown) => {
    if (closing) return; // a change that failed as the server closed: nothing to retry
    const outage = error === null || (error instanceof GavelError && error.status >= 500);
    if (!outage) {
      // A fault, not an outage: said once, not retried every second.
      log(`figures of ${name.name} not updated`, error);
      staleFigures.delete(name.name);
      return;
    }
    if (!staleFigures.has(name.name))
      app.log.warn(
        error instanceof GavelError ? { code: error.code } : {},
        `figures of ${name.name} not stored; trying again every ${FIGURES_RETRY_MS} ms`,
      );
    clearTimeout(staleFigures.get(name.name));
    const timer = setTimeout(retry, FIGURES_RETRY_MS);
    timer.unref();
    staleFigures.set(name.name, timer);
  };
  const verifyNow = tokenVerifier(secret);
  const verify = async (token: string): Promise<VerifiedToken> => verifyNow(token);

  app.setErrorHandler((error, request, reply) => {
    const refusal = error instanceof GavelError ? error : requestErrorOf(error);
    if (refusal) {
      // The client's doing, or an outage: neither is a server fault worth an error-level stack.
      if (refusal.status >= 500) request.log.warn({ code: refusal.code }, refusal.message);
      else request.log.info({ code: refusal.code }, refusal.message);
      return reply.code(refusal.status).send(errorBody(refusal));
    }
    app.log.error({ err: error }, "unhandled error");
    return reply.code(500).send({ error: { code: "INTERNAL", message: "internal error" } });
  });

  await app.register(clientPlugin, { distDir: fileURLToPath(new URL("../../client/dist", import.meta.url)) });
  await app.register(healthPlugin, { store, metrics, documentsLoaded: () => registry.loadedCount });
  await app.register(sessionsPlugin, { sessions, views, verify });
  await app.register(commandsPlugin, { commands, verify });
  await app.register(historyPlugin, { history, verify });
  await app.register(exportPlugin, { history, sessions, verify });
  await app.register(collabPlugin, {
    registry,
    sessions,
    commands,
    metrics,
    verify,
    log,
    allowedOrigins: config.allowedOrigins,
    maxMessageBytes: config.maxMessageBytes,
    authDeadlineMs: config.authDeadlineMs,
    maxUnauthenticatedSockets: config.maxUnauthenticatedSockets,
    limits: {
      maxBufferedBytes: config.maxBufferedBytes,
      maxFramesPerSecond: config.maxFramesPerSecond,
      keepAliveMs: config.keepAliveMs,
    },
  });

  return {
    app,
    sessions,
    registry,
    commands,
    async close() {
      closing = true;
      for (const timer of staleFigures.values()) clearTimeout(timer);
      staleFigures.clear();
      await app.close();
      await registry.closeAll();
      await follower?.close();
      await presenceBus?.close();
    },
  };
}
