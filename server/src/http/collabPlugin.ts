import websocket from "@fastify/websocket";
import type { Actor, DocName } from "@gavel/model";
import { CloseCode, encodeMultiplexed } from "@gavel/protocol";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
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
  readonly limits: GuardLimits;
  readonly log: (message: string, error?: unknown) => void;
}

/** What the upgrade check proved, handed from preValidation to the socket handler. */
interface Admission {
  readonly token: VerifiedToken;
  readonly doc: DocName | null;
}

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

  const admit = async (
    request: FastifyRequest<{ Querystring: UpgradeQuery }>,
    docName: string | null,
  ): Promise<Admission> => {
    const origin = request.headers.origin;
    if (origin !== undefined && allowedOrigins.length > 0 && !allowedOrigins.includes(origin)) {
      throw new GavelError("ORIGIN_NOT_ALLOWED", `Origin ${origin} is not allowed`);
    }
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

  const track = (request: FastifyRequest, endpoint: string, actor: Actor, ping: () => void) => {
    const socket = request.raw.socket;
    const labels = { endpoint, role: actor.role };
    metrics.connections.inc(labels);
    socket.once("close", () => metrics.connections.dec(labels));
    return ping;
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
      const guard = new SocketGuard(
        ws,
        limits,
        metrics,
        expiresAt,
        track(request, "plain", actor, () => ws.ping()),
      );
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
          admissions.set(request, await admit(request, null));
        } catch (error) {
          return refuse(reply, error);
        }
      },
    },
    (ws, request) => {
      const admission = admissions.get(request);
      if (!admission) {
        ws.close(1011, "not admitted");
        return;
      }
      const { actor, expiresAt } = admission.token;
      const ping = () => {
        if (ws.readyState === ws.OPEN) ws.send(encodeMultiplexed.ping());
      };
      const guard = new SocketGuard(ws, limits, metrics, expiresAt, track(request, "multiplexed", actor, ping));
      attachMultiplexedConnection(ws, guard, actor, {
        registry,
        sessions,
        commands,
        verify,
        log,
        maxDocumentsPerSocket: 2000,
        maxStatelessBytes: 64 * 1024,
      });
    },
  );
};
