import { useEffect, useState } from "react";
import { colourKey } from "../room/colours.ts";
import type { RoomContext } from "./App.tsx";

interface Segment {
  readonly text: string;
  readonly kind: "same" | "inserted" | "deleted";
  readonly by: { readonly name: string; readonly delegation: string | null; readonly role: string } | null;
}

interface RedlineClause {
  readonly id: string;
  readonly label: string;
  readonly formerNumbers: readonly string[];
  readonly change: "added" | "removed" | "modified" | "unchanged";
  readonly segments: readonly Segment[];
}

interface Redline {
  readonly from: string;
  readonly to: string;
  readonly clauses: readonly RedlineClause[];
}

/** A change in the colour its delegation wears on this screen (carets, presence): one colour per delegation. */
function colourOfAuthor(ctx: RoomContext, who: string): string {
  return ctx.colours.of(colourKey({ id: `author:${who}`, delegation: who || null }));
}

const REFRESH_MS = 3000;

function whoOf(segment: Segment): string {
  if (!segment.by) return "";
  return segment.by.delegation ?? segment.by.name;
}

/**
 * "Changes since Rev.n" for one section: insertions and deletions coloured by the delegation
 * that made them (attributed by the server from the audit trail). Re-read when the section's
 * index changes, and on demand.
 */
export function RedlineView({
  ctx,
  section,
  from,
  version,
}: {
  readonly ctx: RoomContext;
  readonly section: string;
  readonly from: string;
  /** Changes whenever the section does: the view re-reads the redline. */
  readonly version: unknown;
}) {
  const [redline, setRedline] = useState<Redline | string | null>(null);
  const [tick, setTick] = useState(0);
  // Typing changes no index: re-read now and then while the view is open.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  // `version` and `tick` are not read: a change of either is what asks for a fresh redline.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    let cancelled = false;
    const query = new URLSearchParams({ from });
    ctx.api.call<Redline>("GET", `/api/sessions/${ctx.identity.session}/sections/${section}/redline?${query}`).then(
      (body) => !cancelled && setRedline(body),
      (error: unknown) => !cancelled && setRedline(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [ctx, section, from, version, tick]);

  const changed =
    typeof redline === "object" && redline !== null ? redline.clauses.filter((c) => c.change !== "unchanged") : [];
  const delegations = [
    ...new Set(changed.flatMap((c) => c.segments.filter((s) => s.kind !== "same").map(whoOf))),
  ].filter(Boolean);
  return (
    <section className="redline" aria-labelledby="redline-title">
      <h3 id="redline-title">Changes since {from}</h3>
      <button type="button" onClick={() => setTick((n) => n + 1)}>
        Refresh
      </button>
      {redline === null ? <p>Reading the changes…</p> : null}
      {typeof redline === "string" ? <p>The changes could not be read: {redline}</p> : null}
      {delegations.length > 0 ? (
        <p className="legend">
          {delegations.map((code) => (
            <span key={code} className="legend-item" style={{ borderColor: colourOfAuthor(ctx, code) }}>
              {code}
            </span>
          ))}
        </p>
      ) : null}
      {typeof redline === "object" && redline !== null && changed.length === 0 ? <p>No change since {from}.</p> : null}
      <ol className="redline-clauses">
        {changed.map((clause) => (
          <li key={clause.id} data-change={clause.change} data-clause={clause.id}>
            <span className="number">Clause {clause.label}</span>{" "}
            {clause.formerNumbers.length > 0 ? (
              <span className="former">(formerly {clause.formerNumbers.join(", ")}) </span>
            ) : null}
            <span className="change">— {clause.change}</span>
            <p>
              {clause.segments.map((segment, i) => {
                const key = `${i}:${segment.kind}`;
                if (segment.kind === "same") return <span key={key}>{segment.text}</span>;
                const who = whoOf(segment);
                const style = { color: colourOfAuthor(ctx, who) };
                const title = `${segment.kind === "inserted" ? "Inserted" : "Deleted"} by ${segment.by?.name ?? "unknown"}${who ? ` (${who})` : ""}`;
                return segment.kind === "inserted" ? (
                  <ins key={key} style={style} title={title} data-by={who}>
                    {segment.text}
                  </ins>
                ) : (
                  <del key={key} style={style} title={title} data-by={who}>
                    {segment.text}
                  </del>
                );
              })}
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
