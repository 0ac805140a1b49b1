import { displayName } from "../identity.ts";
import type { RoomContext } from "./App.tsx";
import { useStore } from "./hooks.ts";

const CONNECTION = { online: "Online", connecting: "Reconnecting…", offline: "Offline" } as const;

/** The room's title, who you are, the connection, "saved" only once the server has stored every edit. */
export function Header({ ctx }: { readonly ctx: RoomContext }) {
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
      {ctx.silent ? null : (
        <span id="save-state" data-saved={String(status.saved)}>
          {saveText}
        </span>
      )}
    </header>
  );
}
