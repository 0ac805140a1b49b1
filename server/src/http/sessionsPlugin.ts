import type { Actor } from "@gavel/model";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { bearerOf, type VerifiedToken } from "../auth/tokens.ts";
import type { SessionService } from "../core/SessionService.ts";

export interface SessionsOptions {
  readonly sessions: SessionService;
  readonly verify: (token: string) => Promise<VerifiedToken>;
}

interface SessionParams {
  session: string;
}

interface SectionParams extends SessionParams {
  section: string;
}

interface CreateBody {
  id: string;
  title?: string;
  template: string;
}

const createSchema = {
  body: {
    type: "object",
    required: ["id", "template"],
    additionalProperties: false,
    properties: {
      id: { type: "string", maxLength: 48 },
      title: { type: "string", maxLength: 200 },
      template: { type: "string", maxLength: 64 },
    },
  },
} as const;

/** Sessions over HTTP, Bearer token on every route. */
export const sessionsPlugin: FastifyPluginAsync<SessionsOptions> = async (app, { sessions, verify }) => {
  const actorOf = async (request: FastifyRequest): Promise<Actor> =>
    (await verify(bearerOf(request.headers.authorization))).actor;

  app.post<{ Body: CreateBody }>("/api/sessions", { schema: createSchema }, async (request, reply) => {
    const actor = await actorOf(request);
    const { id, title, template } = request.body;
    const record = await sessions.createSession(actor, { id, title: title ?? "", template });
    return reply.code(201).send(await sessions.summary(actor, record.id));
  });

  app.get<{ Params: SessionParams }>("/api/sessions/:session", async (request) =>
    sessions.summary(await actorOf(request), request.params.session),
  );

  app.get<{ Params: SectionParams }>("/api/sessions/:session/sections/:section", async (request) =>
    sessions.section(await actorOf(request), request.params.session, request.params.section),
  );
};
