import { useMemo } from "react";
import { displayName } from "../identity.ts";
import { colourKey } from "../room/colours.ts";
import type { Person } from "../room/People.ts";
import type { SectionIndex, SectionSnapshot } from "../room/SectionIndex.ts";
import type { RoomContext } from "./App.tsx";
import { type Store, useStore } from "./hooks.ts";

/** Every section index's snapshot as one store: a new array whenever any index changes. */
function combined(indexes: readonly SectionIndex[]): Store<readonly SectionSnapshot[]> {
  let snapshot = indexes.map((index) => index.getSnapshot());
  return {
    subscribe: (listener) => {
      const stops = indexes.map((index) =>
        index.subscribe(() => {
          snapshot = indexes.map((i) => i.getSnapshot());
          listener();
        }),
      );
      return () => {
        for (const stop of stops) stop();
      };
    },
    getSnapshot: () => snapshot,
  };
}

/** "In the room": people by delegation, and where each one is. */
export function PresencePanel({ ctx }: { readonly ctx: RoomContext }) {
  const people = useStore(ctx.people);
  // Labels change with the indexes (renumbering, a late first sync): follow them too.
  const sections = useStore(useMemo(() => combined(ctx.indexes), [ctx.indexes]));
  const where = (person: Person): string => {
    if (!person.section) return "";
    const snapshot = sections.find((section) => section.id === person.section);
    const clause = snapshot?.clauses.find((c) => c.id === person.clause);
    return `${snapshot?.title ?? person.section}${clause ? `, clause ${clause.label}` : ""}`;
  };
  return (
    <section className="presence" aria-labelledby="presence-title">
      <h2 id="presence-title">In the room</h2>
      <ul id="presence">
        <li className="self" data-role={ctx.identity.role}>
          <span
            className="dot"
            style={{
              background: ctx.colours.of(colourKey({ id: ctx.identity.sub, delegation: ctx.identity.delegation })),
            }}
            aria-hidden="true"
          />
          {displayName(ctx.identity)} (you)
        </li>
        {people.map((person) => (
          <li key={person.id} data-role={person.role} data-person={person.id}>
            <span className="dot" style={{ background: ctx.colours.of(colourKey(person)) }} aria-hidden="true" />
            {displayName(person)} <span className="role">{person.role}</span>
            {where(person) ? <span className="where"> — {where(person)}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
