import { displayName } from "../identity.ts";
import type { RoomContext } from "./App.tsx";
import { useStore } from "./hooks.ts";
import type { RoomNotice } from "./Notices.tsx";

const CONNECTION = { online: "Online", connecting: "Reconnecting…", offline: "Offline" } as const;

/** The room's title, who you are, the connection, "saved" only once the server has stored every edit. */
export function Header({ ctx, latest }: { readonly ctx: RoomContext; readonly latest: RoomNotice | null }) {
  const status = useStore(ctx.room);
  const saveText = status.saved
    ? "All changes saved"
    : status.connection === "online"
      ? "Saving…"
      : "Not saved yet: kept here until the server is back";
  return (
    <header className="top">
      <h1>{ctx.summary.title}</h1>
      <span className="who">
        {displayName(ctx.identity)} · {ctx.identity.role}
      </span>
      <span id="status" role="status" data-state={status.connection}>
        {CONNECTION[status.connection]}
      </span>
      <span id="save-state" data-saved={String(status.saved)}>
        {saveText}
      </span>
      <p id="latest-notice" role="status" aria-live="polite">
        {latest?.message ?? ""}
      </p>
    </header>
  );
}
