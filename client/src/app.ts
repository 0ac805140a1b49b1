import { readSectionIndex } from "@gavel/model";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import * as Y from "yjs";
import { Api } from "./api.ts";
import { httpCommands } from "./chairTools.ts";
import { button, el } from "./dom.ts";
import { canRestructure, type Identity } from "./identity.ts";
import { Room } from "./room.ts";
import { SectionView } from "./sectionView.ts";

interface SessionSummary {
  title: string;
  sources: { id: string; title: string }[];
  sections: { id: string; title: string }[];
}

export type View = "room" | "projector";

/** The drafting room: header, sections with live figures, the current section, notices. */
export async function startApp(root: HTMLElement, identity: Identity, view: View): Promise<void> {
  const api = new Api(identity.token);
  const summary = await api.call<SessionSummary>("GET", `/api/sessions/${identity.session}`);
  const room = new Room(identity);
  const sources = new Map(summary.sources.map((s) => [s.id, s.title]));
  const notices = el("div", { id: "notices", role: "status", "aria-live": "polite" });
  const notify = (message: string) => {
    const item = el("p", { class: "notice" }, message);
    notices.prepend(item);
    setTimeout(() => item.remove(), 12_000);
  };
  const readOnlyView = view === "projector" || identity.role === "observer";
  const ctx = {
    room,
    identity,
    session: identity.session,
    commands: httpCommands(api, identity.session, notify),
    sourceTitle: (id: string) => sources.get(id) ?? id,
    notify,
    readOnlyView,
  };

  document.body.classList.toggle("projector", view === "projector");
  document.body.classList.toggle("observer", identity.role === "observer");
  const status = el("span", { id: "status", role: "status" }, "Connecting…");
  const saveState = el("span", { id: "save-state", "data-saved": "true" }, "All changes saved");
  const who = el(
    "span",
    { class: "who" },
    `${identity.name}${identity.delegation ? ` (${identity.delegation})` : ""} — ${identity.role}`,
  );
  const header = el("header", { class: "top" }, el("h1", {}, summary.title), who, status, saveState);
  const nav = el("nav", { id: "sections", "aria-label": "Sections" });
  const main = el("main", { id: "main" });
  const presence = el("ul", { id: "presence", "aria-label": "In the room" });
  const aside = el(
    "aside",
    { class: "side" },
    el("h2", {}, "In the room"),
    presence,
    sessionTools(api, identity, notify, readOnlyView),
  );
  root.replaceChildren(header, el("div", { class: "layout" }, nav, main, aside), notices);

  room.onChange(() => {
    status.textContent = room.state === "online" ? "Online" : room.state === "connecting" ? "Reconnecting…" : "Offline";
    status.dataset.state = room.state;
    const saved = room.saved;
    saveState.dataset.saved = String(saved);
    saveState.textContent = saved
      ? "All changes saved"
      : room.state === "online"
        ? "Saving…"
        : "Not saved yet: kept here until the server is back";
  });

  // Every section index on the one socket: live figures without loading any clause.
  const indexes = new Map<string, { doc: Y.Doc; provider: HocuspocusProvider }>();
  for (const section of summary.sections) {
    const doc = new Y.Doc();
    const provider = room.attach(`${identity.session}/${section.id}`, doc, () => {});
    if (readOnlyView) provider.awareness?.setLocalState(null);
    indexes.set(section.id, { doc, provider });
    const link = el(
      "a",
      { href: `#${section.id}`, "data-section": section.id },
      el("span", { class: "title" }, section.title),
      el("span", { class: "figures" }),
    );
    nav.append(link);
    const figures = () => {
      const { clauses } = readSectionIndex(doc);
      const open = clauses.reduce((n, c) => n + c.figures.openBrackets, 0);
      const agreed = clauses.filter((c) => c.consensus.state === "agreed").length;
      const locked = clauses.filter((c) => c.lock).length;
      const box = link.querySelector(".figures");
      if (!box) return;
      box.setAttribute("data-open-brackets", String(open));
      box.textContent = `${open} [ ] · ${agreed}/${clauses.length} agreed · ${locked} locked`;
    };
    doc.on("update", figures);
  }

  let current: SectionView | null = null;
  const follow = el("input", { type: "checkbox", id: "follow-chair" });
  const show = (sectionId: string) => {
    const target = indexes.get(sectionId) ?? indexes.values().next().value;
    const id = indexes.get(sectionId) ? sectionId : (summary.sections[0]?.id ?? "");
    if (!target || current?.section === id) return;
    current?.destroy();
    current = new SectionView(ctx, id, target.doc, target.provider);
    current.onChairMoves((clause) => {
      if (clause && (follow.checked || view === "projector")) current?.scrollTo(clause);
    });
    main.replaceChildren(current.element);
    for (const link of nav.querySelectorAll("a")) link.toggleAttribute("aria-current", link.dataset.section === id);
    renderPresence();
  };
  if (identity.role === "observer") {
    main.before(el("label", { class: "follow" }, follow, " Follow the chair's clause"));
  }

  const renderPresence = () => {
    const entry = current ? indexes.get(current.section) : undefined;
    const items = [...(entry?.provider.awareness?.getStates().values() ?? [])]
      .map((s) => s.user as { name?: string; delegation?: string | null; role?: string } | undefined)
      .filter((u): u is { name: string; delegation?: string | null; role?: string } => typeof u?.name === "string")
      .map((u) => el("li", { "data-role": u.role ?? "" }, `${u.name}${u.delegation ? ` (${u.delegation})` : ""}`));
    // Our own state is not stamped locally (the server stamps what others receive): name ourselves.
    const self = el(
      "li",
      { "data-role": identity.role, class: "self" },
      `${identity.name}${identity.delegation ? ` (${identity.delegation})` : ""} (you)`,
    );
    presence.replaceChildren(self, ...items);
  };
  for (const { provider } of indexes.values()) provider.awareness?.on("change", renderPresence);

  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  show(location.hash.slice(1));
}

/** Snapshots and exports: the secretariat's and the chair's, exports for everyone. */
function sessionTools(api: Api, identity: Identity, notify: (m: string) => void, readOnly: boolean): HTMLElement {
  const base = `/api/sessions/${identity.session}`;
  const box = el("div", { class: "session-tools" }, el("h2", {}, "Session"));
  if (canRestructure(identity) && !readOnly) {
    const label = el("input", {
      id: "snapshot-label",
      "aria-label": "Revision label",
      placeholder: "Rev.1",
      size: "8",
    });
    box.append(
      label,
      button("Take snapshot", "snapshot", () => {
        api.call("POST", `${base}/snapshots`, { label: label.value || "Rev.1" }).then(
          () => notify(`Snapshot ${label.value || "Rev.1"} taken.`),
          (error: unknown) => notify(`Snapshot refused: ${error instanceof Error ? error.message : String(error)}`),
        );
      }),
    );
  }
  for (const format of ["docx", "html", "md"] as const) {
    box.append(
      button(
        `Export ${format.toUpperCase()}`,
        `export-${format}`,
        () => {
          api
            .download(`${base}/export?format=${format}`, `${identity.session}.${format}`)
            .catch((error: unknown) =>
              notify(`Export failed: ${error instanceof Error ? error.message : String(error)}`),
            );
        },
        { "data-export": format },
      ),
    );
  }
  return box;
}
