import type { ConsensusState, RoomCommand } from "@gavel/model";
import type { FastifyPluginAsync } from "fastify";
import type { CommandService } from "../core/CommandService.ts";
import { requestActor, type Verify } from "./requestActor.ts";

export interface CommandsOptions {
  readonly commands: CommandService;
  readonly verify: Verify;
}

interface SectionParams {
  session: string;
  section: string;
}

interface ClauseParams extends SectionParams {
  clause: string;
}

const text = { type: "string", maxLength: 10_000 } as const;
const reason = { type: "string", maxLength: 500 } as const;
const clauseId = { type: ["string", "null"], maxLength: 48 } as const;
const body = (properties: Record<string, unknown>, required: string[] = []) => ({
  body: { type: "object", additionalProperties: false, required, properties },
});

/** The consensus commands over HTTP; the same commands travel as stateless messages on /collab. */
export const commandsPlugin: FastifyPluginAsync<CommandsOptions> = async (app, { commands, verify }) => {
  const actorOf = requestActor(verify);
  const base = "/api/sessions/:session/sections/:section";

  app.post<{ Params: SectionParams; Body: { after?: string | null; text?: string } }>(
    `${base}/clauses`,
    { schema: body({ after: clauseId, text }) },
    async (request, reply) => {
      const { session, section } = request.params;
      const actor = await actorOf(request);
      // No `after`: at the end of the section; `after: null`: at its start.
      const after =
        request.body.after === undefined ? await commands.lastClauseId(actor, session, section) : request.body.after;
      const result = await commands.execute(actor, session, {
        type: "insertClause",
        section,
        after,
        text: request.body.text,
      });
      return reply.code(201).send(result);
    },
  );

  const clauseRoute = <B>(path: string, schema: object, toCommand: (p: ClauseParams, b: B) => RoomCommand) =>
    app.post<{ Params: ClauseParams; Body: B }>(`${base}/clauses/:clause${path}`, { schema }, async (request) =>
      commands.execute(await actorOf(request), request.params.session, toCommand(request.params, request.body as B)),
    );

  clauseRoute<{ after: string | null }>("/move", body({ after: clauseId }, ["after"]), (p, b) => ({
    type: "moveClause",
    section: p.section,
    clause: p.clause,
    after: b.after,
  }));
  clauseRoute<{ state: ConsensusState; pending?: string[] }>(
    "/consensus",
    body(
      { state: { type: "string" }, pending: { type: "array", items: { type: "string", maxLength: 32 }, maxItems: 64 } },
      ["state"],
    ),
    (p, b) => ({ type: "setConsensus", section: p.section, clause: p.clause, state: b.state, pending: b.pending }),
  );
  clauseRoute<Record<string, never> | undefined>("/confirm", {}, (p) => ({
    type: "confirm",
    section: p.section,
    clause: p.clause,
  }));
  clauseRoute<{ reason?: string } | undefined>("/lock", body({ reason }), (p, b) => ({
    type: "lock",
    section: p.section,
    clause: p.clause,
    reason: b?.reason,
  }));
  // The reason is checked by the rules (LK3: REASON_REQUIRED), not by the schema.
  clauseRoute<{ reason?: string } | undefined>("/unlock", body({ reason }), (p, b) => ({
    type: "unlock",
    section: p.section,
    clause: p.clause,
    reason: b?.reason ?? "",
  }));

  app.delete<{ Params: ClauseParams }>(`${base}/clauses/:clause`, async (request) => {
    const { session, section, clause } = request.params;
    return commands.execute(await actorOf(request), session, { type: "deleteClause", section, clause });
  });

  app.post<{ Params: SectionParams; Body: { clause: string | null } }>(
    `${base}/take-up`,
    { schema: body({ clause: clauseId }, ["clause"]) },
    async (request) => {
      const { session, section } = request.params;
      const command = { type: "takeUp", section, clause: request.body.clause } as const;
      return commands.execute(await actorOf(request), session, command);
    },
  );

  app.post<{ Params: SectionParams }>(`${base}/renumber`, async (request) => {
    const { session, section } = request.params;
    return commands.execute(await actorOf(request), session, { type: "renumber", section });
  });
};
