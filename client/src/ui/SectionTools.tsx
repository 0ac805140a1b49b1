import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../api.ts";
import { refusalMessage } from "../commands.ts";
import { canRestructure } from "../identity.ts";
import type { RoomContext } from "./App.tsx";

export interface Revision {
  readonly label: string;
  readonly at: string;
}

/** How often the revision list is re-read: revisions are taken on other screens too. */
const REVISIONS_EVERY_MS = 20_000;

/** The session's named revisions: re-read after one is taken here, when a list is opened, and now and then. */
export function useRevisions(ctx: RoomContext): [readonly Revision[], () => void] {
  const [revisions, setRevisions] = useState<readonly Revision[]>([]);
  const reload = useCallback(() => {
    ctx.api.call<{ snapshots: Revision[] }>("GET", `/api/sessions/${ctx.identity.session}/snapshots`).then(
      (body) =>
        setRevisions((old) =>
          old.length === body.snapshots.length && old.every((r, i) => r.label === body.snapshots[i]?.label)
            ? old
            : body.snapshots,
        ),
      () => undefined, // keep what we had: the next read may succeed
    );
  }, [ctx]);
  useEffect(() => {
    reload();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, REVISIONS_EVERY_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return [revisions, reload];
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? refusalMessage(error.code, error.message) : String(error);
}

/**
 * Section actions: renumber, take a snapshot (a named revision of the whole session), export the
 * current text or a revision, and the redline against a revision. Each shows its own result.
 */
export function SectionTools({
  ctx,
  section,
  redlineFrom,
  setRedlineFrom,
}: {
  readonly ctx: RoomContext;
  readonly section: string;
  readonly redlineFrom: string | null;
  readonly setRedlineFrom: (label: string | null) => void;
}) {
  const [revisions, reload] = useRevisions(ctx);
  const [label, setLabel] = useState("");
  const [format, setFormat] = useState<"docx" | "html" | "md">("docx");
  const [exportFrom, setExportFrom] = useState("");
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const base = `/api/sessions/${ctx.identity.session}`;
  const restructure = canRestructure(ctx.identity) && !ctx.silent;
  const nextLabel = `Rev.${Math.max(0, ...revisions.map((r) => Number(/^Rev\.(\d+)$/.exec(r.label)?.[1] ?? 0))) + 1}`;

  const renumber = () =>
    void ctx
      .run({ type: "renumber", section })
      .then((o) =>
        setResult(
          o.ok ? { ok: true, message: "Renumbered." } : { ok: false, message: refusalMessage(o.code, o.message) },
        ),
      );
  const snapshot = () => {
    const chosen = label.trim() || nextLabel;
    ctx.api.call("POST", `${base}/snapshots`, { label: chosen }).then(
      () => {
        setResult({ ok: true, message: `Revision ${chosen} taken.` });
        setLabel("");
        reload();
      },
      (error: unknown) => setResult({ ok: false, message: messageOf(error) }),
    );
  };
  const download = () => {
    const query = new URLSearchParams({ format });
    if (exportFrom) query.set("snapshot", exportFrom);
    const name = `${ctx.identity.session}${exportFrom ? `-${exportFrom}` : ""}.${format}`;
    ctx.api.download(`${base}/export?${query}`, name).then(
      () => setResult({ ok: true, message: `Downloaded ${name}.` }),
      (error: unknown) => setResult({ ok: false, message: messageOf(error) }),
    );
  };

  return (
    <fieldset className="section-tools">
      <legend className="visually-hidden">Section and session</legend>
      {restructure ? (
        <span className="tool-part">
          <button type="button" data-action="renumber" onClick={renumber}>
            Renumber
          </button>
          <input
            id="snapshot-label"
            aria-label="Label of the new revision"
            value={label}
            size={6}
            placeholder={nextLabel}
            onChange={(e) => setLabel(e.target.value)}
          />
          <button type="button" data-action="snapshot" onClick={snapshot}>
            Take snapshot
          </button>
        </span>
      ) : null}
      <span className="tool-part">
        <select
          data-field="export-format"
          aria-label="Export format"
          value={format}
          onChange={(e) => setFormat(e.target.value as typeof format)}
        >
          <option value="docx">Word</option>
          <option value="html">HTML</option>
          <option value="md">Markdown</option>
        </select>
        <select
          data-field="export-revision"
          aria-label="Text to export"
          onFocus={reload}
          value={exportFrom}
          onChange={(e) => setExportFrom(e.target.value)}
        >
          <option value="">current text</option>
          {revisions.map((r) => (
            <option key={r.label} value={r.label}>
              {r.label}
            </option>
          ))}
        </select>
        <button type="button" data-action="export" onClick={download}>
          Export
        </button>
      </span>
      <label className="tool-part">
        Changes since{" "}
        <select
          data-field="redline-from"
          onFocus={reload}
          value={redlineFrom ?? ""}
          onChange={(e) => setRedlineFrom(e.target.value || null)}
        >
          <option value="">{revisions.length === 0 ? "no revision yet" : "—"}</option>
          {revisions.map((r) => (
            <option key={r.label} value={r.label}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <output className="group-status" data-ok={result ? String(result.ok) : undefined}>
        {result?.message ?? ""}
      </output>
    </fieldset>
  );
}
