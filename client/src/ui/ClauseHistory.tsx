import type { IndexedClause } from "@gavel/model";
import { useState } from "react";
import { displayName } from "../identity.ts";
import type { RoomContext } from "./App.tsx";

interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly kind: "edit" | "command" | "created";
  readonly actor: { readonly name: string; readonly delegation: string | null; readonly role: string };
  readonly command?: Record<string, unknown>;
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** What a recorded command did, in a chair's words. */
function describe(command: Record<string, unknown>): string | null {
  const reason = str(command.reason);
  switch (command.type) {
    case "insertClause":
      return "proposed the clause";
    case "moveClause":
      return "moved it";
    case "setConsensus": {
      const pending = Array.isArray(command.pending) ? ` (pending ${command.pending.join(", ")})` : "";
      return `set it ${str(command.state).replace(/_/g, " ")}${pending}`;
    }
    case "confirm":
      return "confirmed the agreement ad referendum";
    case "lock":
      return `locked it${reason ? `: “${reason}”` : ""}`;
    case "unlock":
      return `unlocked it: “${reason}”`;
    case "renumber":
      return "renumbered the section";
    case "takeUp":
      return command.clause === null ? "ended the discussion" : "took it up for discussion";
    default:
      return null; // live figures and other server bookkeeping
  }
}

/** A clause's history on demand: who proposed, set, confirmed, locked and unlocked it, and why. */
export function ClauseHistory({
  ctx,
  section,
  clause,
}: {
  readonly ctx: RoomContext;
  readonly section: string;
  readonly clause: IndexedClause;
}) {
  const [events, setEvents] = useState<readonly AuditEvent[] | string | null>(null);
  const load = () => {
    const query = new URLSearchParams({ section, clause: clause.id });
    ctx.api
      .call<AuditEvent[] | { events: AuditEvent[] }>("GET", `/api/sessions/${ctx.identity.session}/events?${query}`)
      .then(
        (body) => setEvents(Array.isArray(body) ? body : body.events),
        (error: unknown) => setEvents(error instanceof Error ? error.message : String(error)),
      );
  };
  const rows =
    typeof events === "string" || events === null
      ? []
      : events.flatMap((event) => {
          const what = event.command ? describe(event.command) : null;
          return what ? [{ event, what }] : [];
        });
  const edits = Array.isArray(events) ? events.filter((e) => e.kind === "edit").length : 0;
  return (
    <details
      className="clause-history"
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open) load();
      }}
    >
      <summary>History</summary>
      {events === null ? <p>Loading…</p> : null}
      {typeof events === "string" ? <p>History could not be read: {events}</p> : null}
      {Array.isArray(events) ? (
        <ul>
          {rows.map(({ event, what }) => (
            <li key={event.id}>
              <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time> {displayName(event.actor)} {what}
            </li>
          ))}
          <li>
            {edits} stored edit{edits === 1 ? "" : "s"} of the text
          </li>
        </ul>
      ) : null}
    </details>
  );
}
