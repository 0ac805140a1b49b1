import { displayName } from "../identity.ts";
import type { Person } from "../room/People.ts";
import type { RoomContext } from "./App.tsx";
import { useStore } from "./hooks.ts";

/** "In the room": people by delegation, and where each one is. */
export function PresencePanel({ ctx }: { readonly ctx: RoomContext }) {
  const people = useStore(ctx.people);
  const titles = new Map(ctx.indexes.map((index) => [index.id, index]));
  const where = (person: Person): string => {
    if (!person.section) return "";
    const index = titles.get(person.section);
    const snapshot = index?.getSnapshot();
    const clause = snapshot?.clauses.find((c) => c.id === person.clause);
    return `${snapshot?.title ?? person.section}${clause ? `, clause ${clause.label}` : ""}`;
  };
  return (
    <section className="presence" aria-labelledby="presence-title">
      <h2 id="presence-title">In the room</h2>
      <ul id="presence">
        <li className="self" data-role={ctx.identity.role}>
          <span className="dot" style={{ background: ctx.colours.of(ctx.identity.sub) }} aria-hidden="true" />
          {displayName(ctx.identity)} (you)
        </li>
        {people.map((person) => (
          <li key={person.id} data-role={person.role} data-person={person.id}>
            <span className="dot" style={{ background: ctx.colours.of(person.id) }} aria-hidden="true" />
            {displayName(person)} <span className="role">{person.role}</span>
            {where(person) ? <span className="where"> — {where(person)}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
