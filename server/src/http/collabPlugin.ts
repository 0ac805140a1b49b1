import websocket from "@fastify/websocket";
import type { Actor, DocName } from "@gavel/model";
import { CloseCode, encodeMultiplexed } from "@gavel/protocol";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { VerifiedToken } from "../auth/tokens.ts";
import type { CommandService } from "../core/CommandService.ts";
import type { DocumentRegistry } from "../core/DocumentRegistry.ts";
import type { SessionService } from "../core/SessionService.ts";
import { errorBody, GavelError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import { attachMultiplexedConnection } from "../transport/multiplexedConnection.ts";
import { attachPlainConnection } from "../transport/plainConnection.ts";
import { type GuardLimits, SocketGuard } from "../transport/SocketGuard.ts";

export interface CollabOptions {
  readonly registry: DocumentRegistry;
  readonly commands: CommandService;
  readonly sessions: SessionService;
  readonly metrics: Metrics;
  readonly verify: (token: string) => Promise<VerifiedToken>;
  readonly allowedOrigins: readonly string[];
  readonly maxMessageBytes: number;
  /** A tokenless /collab socket must authenticate a document within this (else 4401). */
  readonly authDeadlineMs: number;
  /** Bound on tokenless /collab sockets not yet identified; beyond it the upgrade gets 503. */
  readonly maxUnauthenticatedSockets: number;
  readonly limits: GuardLimits;
  readonly log: (message: string, error?: unknown) => void;
}

/** What the upgrade check proved, handed from preValidation to the socket handler. */
interface Admission {
  readonly token: VerifiedToken;
  readonly doc: DocName | null;
}

/** A /collab upgrade: with a URL token, or tokenless (each document's Auth message proves it). */
type CollabAdmission =
  | { readonly state: "proven"; readonly token: VerifiedToken }
  /** `release` gives back the place it took among the waiting sockets (once). */
  | { readonly state: "tokenless"; readonly release: () => void };

interface UpgradeQuery {
  token?: string;
  session?: string;
}

/**
 * Both WebSocket endpoints. Everything that can refuse a connection (Origin, token, session,
 * document name) runs before the upgrade and answers with HTTP 4xx.
 */
export const collabPlugin: FastifyPluginAsync<CollabOptions> = async (app, options) => {
  const { registry, sessions, commands, metrics, verify, allowedOrigins, limits, log } = options;
  const admissions = new WeakMap<FastifyRequest, Admission>();
  const collabAdmissions = new WeakMap<FastifyRequest, CollabAdmission>();
  /** Tokenless /collab sockets that have not yet authenticated a document. */
  let unidentified = 0;
  await app.register(websocket, {
    options: { maxPayload: options.maxMessageBytes },
    // A frame over the limit (1009), a protocol violation or a reset is the peer's doing: info,
    // not an error-level stack per client.
    errorHandler(error, socket, request) {
      const code = (error as { code?: unknown }).code;
      const byClient =
        typeof code === "string" && (code.startsWith("WS_ERR_") || code === "ECONNRESET" || code === "EPIPE");
      if (byClient) request.log.info({ code }, `websocket closed: ${error.message}`);
      else request.log.error({ err: error }, "websocket error");
      socket.terminate();
    },
    // Shutdown: tell clients to come back later (1001) rather than a bare close.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(CloseCode.goingAway, "server shutting down");
      this.websocketServer.close(() => done());
    },
  });

  const checkOrigin = (request: FastifyRequest): void => {
    const origin = request.headers.origin;
    if (origin !== undefined && allowedOrigins.length > 0 && !allowedOrigins.includes(origin)) {
      throw new GavelError("ORIGIN_NOT_ALLOWED", `Origin ${origin} is not allowed`);
    }
  };

  const admit = async (
    request: FastifyRequest<{ Querystring: UpgradeQuery }>,
    docName: string | null,
  ): Promise<Admission> => {
    checkOrigin(request);
    const raw = request.query.token;
    if (!raw) throw new GavelError("TOKEN_MISSING", "a token query parameter is required");
    const token = await verify(raw);
    const { session } = request.query;
    if (session !== undefined && session !== token.actor.session) throw new GavelError("WRONG_SESSION");
    if (docName !== null) return { token, doc: await sessions.resolveDocument(token.actor, docName) };
    if (!(await sessions.getSession(token.actor.session))) throw new GavelError("UNKNOWN_DOCUMENT", "no such session");
    return { token, doc: null };
  };

  const refuse = (reply: FastifyReply, error: unknown): FastifyReply => {
    if (error instanceof GavelError) return reply.code(error.status).send(errorBody(error));
    throw error;
  };

  const track = (request: FastifyRequest, endpoint: string, actor: Actor): void => {
    const socket = request.raw.socket;
    if (socket.destroyed) return; // gone while its first document was being checked
    const labels = { endpoint, role: actor.role };
    metrics.connections.inc(labels);
    socket.once("close", () => metrics.connections.dec(labels));
  };

  /** A /collab upgrade carries a URL token (checked here), or none: then it is only counted. */
  const admitCollab = async (request: FastifyRequest<{ Querystring: UpgradeQuery }>): Promise<CollabAdmission> => {
    if (request.query.token) return { state: "proven", token: (await admit(request, null)).token };
    checkOrigin(request);
    if (unidentified >= options.maxUnauthenticatedSockets) throw new GavelError("TOO_MANY_UNAUTHENTICATED");
    // The place is taken at once, so concurrent upgrades cannot all pass the bound; it is given
    // back when the socket authenticates a document or goes, whichever comes first.
    unidentified += 1;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      unidentified -= 1;
    };
    request.raw.socket.once("close", release);
    return { state: "tokenless", release };
  };

  /**
   * A tokenless socket counts against MAX_UNAUTHENTICATED_SOCKETS and must authenticate a
   * document within AUTH_DEADLINE_MS (else 4401). Returns what to call once a token proves it.
   */
  const holdUnidentified = (
    ws: WebSocket,
    guard: SocketGuard,
    release: () => void,
    identified: (token: VerifiedToken) => void,
  ): ((token: VerifiedToken) => void) => {
    let waiting = true;
    const stopWaiting = () => {
      if (!waiting) return;
      waiting = false;
      release();
      clearTimeout(deadline);
    };
    const deadline = setTimeout(() => {
      stopWaiting();
      guard.close(CloseCode.unauthorized, "no document authenticated in time");
    }, options.authDeadlineMs);
    deadline.unref();
    ws.once("close", stopWaiting);
    return (token) => {
      stopWaiting();
      guard.expireAt(token.expiresAt);
      identified(token);
    };
  };

  app.get<{ Params: { "*": string }; Querystring: UpgradeQuery }>(
    "/y/*",
    {
      websocket: true,
      preValidation: async (request, reply) => {
        try {
          admissions.set(request, await admit(request, decodeURIComponent(request.params["*"])));
        } catch (error) {
          return refuse(reply, error);
        }
      },
    },
    (ws, request) => {
      const admission = admissions.get(request);
      if (!admission?.doc) {
        ws.close(1011, "not admitted");
        return;
      }
      const { actor, expiresAt } = admission.token;
      track(request, "plain", actor);
      const guard = new SocketGuard(ws, limits, metrics, expiresAt, () => ws.ping());
      attachPlainConnection(ws, guard, actor, admission.doc, registry, log, (seconds) =>
        metrics.syncAnswerSeconds.observe(seconds),
      );
    },
  );

  app.get<{ Querystring: UpgradeQuery }>(
    "/collab",
    {
      websocket: true,
      preValidation: async (request, reply) => {
        try {
          collabAdmissions.set(request, await admitCollab(request));
        } catch (error) {
          return refuse(reply, error);
        }
      },
    },
    (ws, request) => {
      const admission = collabAdmissions.get(request);
      if (!admission) {
        ws.close(1011, "not admitted");
        return;
      }
      const ping = () => {
        if (ws.readyState === ws.OPEN) ws.send(encodeMultiplexed.ping());
      };
      const proven = admission.state === "proven" ? admission.token : null;
      // Until a tokenless socket's first document proves who it is, no token bounds its life:
      // the authentication deadline does.
      const guard = new SocketGuard(ws, limits, metrics, proven?.expiresAt ?? Number.POSITIVE_INFINITY, ping);
      let onIdentified: ((token: VerifiedToken) => void) | undefined;
      if (proven) track(request, "multiplexed", proven.actor);
      else if (admission.state === "tokenless")
        onIdentified = holdUnidentified(ws, guard, admission.release, (token) =>
          track(request, "multiplexed", token.actor),
        );
      attachMultiplexedConnection(ws, guard, proven?.actor ?? null, {
        registry,
        sessions,
        commands,
        verify,
        log,
        maxDocumentsPerSocket: 2000,
        maxStatelessBytes: 64 * 1024,
        ...(onIdentified ? { onIdentified } : {}),
      });
    },
  );
};
