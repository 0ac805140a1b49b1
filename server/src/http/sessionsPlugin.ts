import { EDITORS, type EditorKind } from "@gavel/model";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../core/SessionService.ts";
import type { SessionViews } from "../core/SessionViews.ts";
import { requestActor, type Verify } from "./requestActor.ts";

export interface SessionsOptions {
  readonly sessions: SessionService;
  readonly views: SessionViews;
  readonly verify: Verify;
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
  editor?: EditorKind;
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
      editor: { type: "string", enum: [...EDITORS] },
    },
  },
} as const;

/** Sessions and their live read models over HTTP, Bearer token on every route. */
export const sessionsPlugin: FastifyPluginAsync<SessionsOptions> = async (app, { sessions, views, verify }) => {
  const actorOf = requestActor(verify);

  app.post<{ Body: CreateBody }>("/api/sessions", { schema: createSchema }, async (request, reply) => {
    const actor = await actorOf(request);
    const { id, title, template, editor } = request.body;
    const record = await sessions.createSession(actor, {
      id,
      title: title ?? "",
      template,
      editor: editor ?? "tiptap",
    });
    return reply.code(201).send(await views.summary(actor, record.id));
  });

  app.get<{ Params: SessionParams }>("/api/sessions/:session", async (request) =>
    views.summary(await actorOf(request), request.params.session),
  );

  app.get<{ Params: SessionParams }>("/api/sessions/:session/consensus", async (request) =>
    views.consensus(await actorOf(request), request.params.session),
  );

  app.get<{ Params: SectionParams }>("/api/sessions/:session/sections/:section", async (request) =>
    views.section(await actorOf(request), request.params.session, request.params.section),
  );
};
