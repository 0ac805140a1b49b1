import type { FastifyPluginAsync } from "fastify";
import type { HistoryService, PointInTime } from "../core/HistoryService.ts";
import { GavelError } from "../errors.ts";
import { requestActor, type Verify } from "./requestActor.ts";

export interface HistoryOptions {
  readonly history: HistoryService;
  readonly verify: Verify;
}

interface SessionParams {
  session: string;
}

interface ClauseParams extends SessionParams {
  section: string;
  clause: string;
}

/** `now`, a revision label, or an ISO time: where a historical read points. */
export function pointOf(query: { at?: string; snapshot?: string }): PointInTime {
  if (query.snapshot !== undefined && query.at !== undefined)
    throw new GavelError("BAD_REQUEST", "give at or snapshot, not both");
  if (query.snapshot !== undefined)
    return query.snapshot === "now" ? { type: "now" } : { type: "revision", label: query.snapshot };
  if (query.at === undefined || query.at === "now") return { type: "now" };
  const at = Date.parse(query.at);
  if (Number.isNaN(at)) throw new GavelError("BAD_REQUEST", "at must be an ISO 8601 time");
  return { type: "time", at };
}

/** `from`/`to` of a diff: `now` or a revision label. */
function revisionPoint(value: string | undefined, name: string): PointInTime {
  if (value === undefined) throw new GavelError("BAD_REQUEST", `${name} is required`);
  return value === "now" ? { type: "now" } : { type: "revision", label: value };
}

/** Audit trail, time travel, named revisions and diffs. */
export const historyPlugin: FastifyPluginAsync<HistoryOptions> = async (app, { history, verify }) => {
  const actorOf = requestActor(verify);

  app.get<{ Params: SessionParams; Querystring: { section?: string; clause?: string } }>(
    "/api/sessions/:session/events",
    async (request) => {
      const { section, clause } = request.query;
      return { events: await history.events(await actorOf(request), request.params.session, { section, clause }) };
    },
  );

  app.get<{ Params: ClauseParams; Querystring: { at?: string; snapshot?: string } }>(
    "/api/sessions/:session/sections/:section/clauses/:clause",
    async (request) => {
      const { session, section, clause } = request.params;
      const found = await history.clauseAt(await actorOf(request), session, section, clause, pointOf(request.query));
      const { content, ...entry } = found;
      return {
        ...entry,
        number: entry.label,
        text: content.text,
        brackets: content.brackets,
        footnotes: content.footnotes,
        figures: content.figures,
      };
    },
  );

  app.post<{ Params: SessionParams; Body: { label: string } }>(
    "/api/sessions/:session/snapshots",
    {
      schema: {
        body: {
          type: "object",
          required: ["label"],
          additionalProperties: false,
          properties: { label: { type: "string", maxLength: 40 } },
        },
      },
    },
    async (request, reply) => {
      const revision = await history.takeRevision(await actorOf(request), request.params.session, request.body.label);
      return reply.code(201).send({ label: revision.label, at: new Date(revision.at).toISOString(), by: revision.by });
    },
  );

  app.get<{ Params: SessionParams }>("/api/sessions/:session/snapshots", async (request) => {
    const revisions = await history.revisions(await actorOf(request), request.params.session);
    return { snapshots: revisions.map((r) => ({ label: r.label, at: new Date(r.at).toISOString(), by: r.by })) };
  });

  app.get<{ Params: SessionParams & { section: string }; Querystring: { from?: string; to?: string } }>(
    "/api/sessions/:session/sections/:section/redline",
    async (request) => {
      const { session, section } = request.params;
      const from = revisionPoint(request.query.from, "from");
      const to = revisionPoint(request.query.to ?? "now", "to");
      const clauses = await history.redline(await actorOf(request), session, section, from, to);
      return { from: request.query.from, to: request.query.to ?? "now", clauses };
    },
  );

  app.get<{ Params: SessionParams; Querystring: { from?: string; to?: string } }>(
    "/api/sessions/:session/diff",
    async (request) => {
      const from = revisionPoint(request.query.from, "from");
      const to = revisionPoint(request.query.to ?? "now", "to");
      return {
        from: request.query.from,
        to: request.query.to ?? "now",
        changes: await history.diff(await actorOf(request), request.params.session, from, to),
      };
    },
  );
};
