import type { SectionIndex } from "../room/SectionIndex.ts";
import type { RoomContext } from "./App.tsx";
import { type Breakpoint, useStore } from "./hooks.ts";

/** Sections with their live figures, from the indexes alone (no clause is loaded for them). */
export function SectionNav({
  ctx,
  current,
  breakpoint,
}: {
  readonly ctx: RoomContext;
  readonly current: string | null;
  readonly breakpoint: Breakpoint;
}) {
  const links = (
    <ul>
      {ctx.indexes.map((index) => (
        <li key={index.id}>
          <SectionLink index={index} current={index.id === current} />
        </li>
      ))}
    </ul>
  );
  const currentTitle = ctx.indexes.find((i) => i.id === current)?.getSnapshot().title ?? "";
  return (
    <nav id="sections" className="sections-nav" aria-label="Sections">
      {breakpoint !== "desktop" ? (
        <details>
          <summary>Sections{currentTitle ? `: ${currentTitle}` : ""}</summary>
          {links}
        </details>
      ) : (
        links
      )}
    </nav>
  );
}

function SectionLink({ index, current }: { readonly index: SectionIndex; readonly current: boolean }) {
  const { title, clauses } = useStore(index);
  const open = clauses.reduce((n, c) => n + c.figures.openBrackets, 0);
  const agreed = clauses.filter((c) => c.consensus.state === "agreed").length;
  const locked = clauses.filter((c) => c.lock).length;
  return (
    <a href={`#${index.id}`} data-section={index.id} aria-current={current ? "page" : undefined}>
      <span className="title">{title}</span>
      <span className="figures" data-open-brackets={String(open)}>
        {open} [ ] · {agreed}/{clauses.length} agreed · {locked} locked
      </span>
    </a>
  );
}
