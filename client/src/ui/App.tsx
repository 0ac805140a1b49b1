import type { EditorKind } from "@gavel/model";
import { useEffect, useMemo, useState } from "react";
import { Api } from "../api.ts";
import { httpCommands } from "../commands.ts";
import type { Identity } from "../identity.ts";
import { ColourBook } from "../room/colours.ts";
import { People } from "../room/People.ts";
import { Room } from "../room/Room.ts";
import { SectionIndex } from "../room/SectionIndex.ts";
import { Header } from "./Header.tsx";
import { useBreakpoint, useHash } from "./hooks.ts";
import { NoticeLog, useNotices } from "./Notices.tsx";
import { PresencePanel } from "./PresencePanel.tsx";
import { SectionNav } from "./SectionNav.tsx";
import { SectionView } from "./SectionView.tsx";
import { useFollowTakenUp } from "./useFollowTakenUp.ts";

export type View = "room" | "projector";

export interface SessionSummary {
  readonly title: string;
  /** The session's editor (its clause layout); older servers omit it: Tiptap. */
  readonly editor?: EditorKind;
  readonly sources: readonly { readonly id: string; readonly title: string }[];
  readonly sections: readonly { readonly id: string; readonly title: string }[];
}

/** Everything the room holds for the life of the page: one socket, every section index, presence. */
export interface RoomContext {
  readonly identity: Identity;
  readonly view: View;
  readonly api: Api;
  readonly room: Room;
  readonly summary: SessionSummary;
  readonly indexes: readonly SectionIndex[];
  readonly people: People;
  readonly colours: ColourBook;
  readonly run: ReturnType<typeof httpCommands>;
  /** Projector and observers: the text only, never editable, no presence announced. */
  readonly silent: boolean;
  readonly sourceTitle: (id: string) => string;
}

type Boot = { readonly state: "loading" } | { readonly state: "failed"; readonly message: string } | RoomContext;

function useRoom(identity: Identity, view: View): Boot {
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  useEffect(() => {
    const api = new Api(identity.token);
    let room: Room | null = null;
    let people: People | null = null;
    let cancelled = false;
    api.call<SessionSummary>("GET", `/api/sessions/${identity.session}`).then(
      (summary) => {
        if (cancelled) return;
        const silent = view === "projector" || identity.role === "observer";
        room = new Room(identity);
        const opened = room;
        const indexes = summary.sections.map((s) => new SectionIndex(opened, identity.session, s.id, s.title));
        if (silent) for (const index of indexes) index.awareness?.setLocalState(null);
        people = new People(indexes, identity.sub);
        const sources = new Map(summary.sources.map((s) => [s.id, s.title]));
        setBoot({
          identity,
          view,
          api,
          room,
          summary,
          indexes,
          people,
          colours: new ColourBook(),
          run: httpCommands(api, identity.session),
          silent,
          sourceTitle: (id) => sources.get(id) ?? id,
        });
      },
      (error: unknown) => {
        if (!cancelled) setBoot({ state: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      cancelled = true;
      people?.destroy();
      room?.destroy();
    };
  }, [identity, view]);
  return boot;
}

/** The drafting room: header, sections with live figures, the open section, people and notices. */
export function App({ identity, view }: { readonly identity: Identity; readonly view: View }) {
  const boot = useRoom(identity, view);
  if ("state" in boot) {
    return (
      <main className="boot" id="main">
        <h1>Gavel drafting room</h1>
        <p role="status">
          {boot.state === "loading" ? "Opening the room…" : `The room could not open: ${boot.message}`}
        </p>
      </main>
    );
  }
  return <Loaded ctx={boot} />;
}

/** The skip link moves the focus to the section's heading without changing the address. */
function skipToClauses(): void {
  const heading = document.getElementById("section-title");
  heading?.setAttribute("tabindex", "-1");
  heading?.focus();
}

function Loaded({ ctx }: { readonly ctx: RoomContext }) {
  const breakpoint = useBreakpoint();
  const [hash, setHash] = useHash();
  const notices = useNotices();
  const projector = ctx.view === "projector";
  const [follow, setFollow] = useState(projector);
  const section = useMemo(
    () => ctx.indexes.find((index) => index.id === hash) ?? ctx.indexes[0] ?? null,
    [ctx.indexes, hash],
  );
  const followed = useFollowTakenUp(ctx.indexes, follow, setHash);
  useEffect(() => {
    document.body.classList.toggle("projector", projector);
    document.body.classList.toggle("observer", ctx.identity.role === "observer");
  }, [projector, ctx.identity.role]);

  return (
    <div className="app" data-breakpoint={breakpoint} data-view={ctx.view}>
      <button type="button" className="skip-link" onClick={skipToClauses}>
        Skip to the clauses
      </button>
      <Header ctx={ctx} />
      <div className="layout">
        {projector ? null : <SectionNav ctx={ctx} current={section?.id ?? null} breakpoint={breakpoint} />}
        <main id="main">
          {ctx.identity.role === "observer" && !projector ? (
            <label className="follow">
              <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow the clause
              under discussion
            </label>
          ) : null}
          {section ? (
            <SectionView
              key={section.id}
              ctx={ctx}
              index={section}
              notify={notices.add}
              latest={notices.latest}
              followed={followed}
            />
          ) : (
            <p>This session has no sections.</p>
          )}
        </main>
        {projector ? null : (
          <aside className="side" aria-label="People and notices">
            <PresencePanel ctx={ctx} />
            <NoticeLog notices={notices.all} onDismiss={notices.dismiss} />
          </aside>
        )}
      </div>
    </div>
  );
}
