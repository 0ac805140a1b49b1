import type { FastifyPluginAsync } from "fastify";
import type { HistoryService } from "../core/HistoryService.ts";
import type { SessionService } from "../core/SessionService.ts";
import { GavelError } from "../errors.ts";
import type { ExportDocument, ExportVariant } from "../export/ExportDocument.ts";
import { renderHtml } from "../export/renderHtml.ts";
import { renderMarkdown } from "../export/renderMarkdown.ts";
import { pointOf } from "./historyPlugin.ts";
import { requestActor, type Verify } from "./requestActor.ts";

export interface ExportOptions {
  readonly history: HistoryService;
  readonly sessions: SessionService;
  readonly verify: Verify;
}

interface ExportQuery {
  format?: string;
  snapshot?: string;
  variant?: string;
}

const TYPES = {
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  html: "text/html; charset=utf-8",
  md: "text/markdown; charset=utf-8",
} as const;

/** A whole session, now or at a named revision, as DOCX, HTML or Markdown. */
export const exportPlugin: FastifyPluginAsync<ExportOptions> = async (app, { history, sessions, verify }) => {
  const actorOf = requestActor(verify);

  app.get<{ Params: { session: string }; Querystring: ExportQuery }>(
    "/api/sessions/:session/export",
    async (request, reply) => {
      const { format = "docx", snapshot, variant = "full" } = request.query;
      if (format !== "docx" && format !== "html" && format !== "md")
        throw new GavelError("BAD_REQUEST", "format is docx, html or md");
      if (variant !== "full" && variant !== "clean") throw new GavelError("BAD_REQUEST", "variant is full or clean");
      const actor = await actorOf(request);
      const { session } = request.params;
      const record = await sessions.sessionFor(actor, session);
      const point = pointOf({ snapshot });
      const states = await history.sectionsAt(actor, session, point);
      const document: ExportDocument = {
        sessionId: session,
        title: record.title,
        revision: point.type === "revision" ? point.label : null,
        date: new Date().toISOString(),
        sources: record.sources,
        sections: states.map((state) => ({
          id: state.key.split("/")[1] ?? state.key,
          title: state.title,
          clauses: state.clauses.map((c) => ({
            id: c.id,
            label: c.label,
            consensus: c.consensus.state,
            pending: c.consensus.state === "agreed_ad_ref" ? c.consensus.pending : [],
            lock: c.lock,
            paragraphs: c.content.paragraphs,
          })),
        })),
      };
      const bracketed = states.some((s) => s.clauses.some((c) => c.content.figures.openBrackets > 0));
      if (variant === "clean" && bracketed) throw new GavelError("BRACKETED");
      const name = `${session}${document.revision ? `-${document.revision}` : ""}${variant === "clean" ? "-clean" : ""}.${format}`;
      reply
        .type(TYPES[format])
        .header("content-disposition", `attachment; filename="${name.replace(/[^\w.-]/g, "_")}"`);
      const v: ExportVariant = variant;
      if (format === "docx") {
        // Loaded on the first export: docx holds megabytes no other request needs.
        const { renderDocx } = await import("../export/renderDocx.ts");
        return reply.send(await renderDocx(document, v));
      }
      return reply.send(format === "html" ? renderHtml(document, v) : renderMarkdown(document, v));
    },
  );
};
