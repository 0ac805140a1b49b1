import { isRole, type Role } from "@gavel/model";
import type { SectionIndex } from "./SectionIndex.ts";
import { Subscribable } from "./Subscribable.ts";

/** Someone in the room, as the server stamped them (PROTOCOL.md, Presence), and where they are. */
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly delegation: string | null;
  readonly section: string | null;
  readonly clause: string | null;
}

function personOf(state: Record<string, unknown>): Person | null {
  const user = state.user;
  if (typeof user !== "object" || user === null) return null;
  const { id, name, role, delegation } = user as Record<string, unknown>;
  if (typeof id !== "string" || typeof name !== "string" || !isRole(role)) return null;
  return {
    id,
    name,
    role,
    delegation: typeof delegation === "string" ? delegation : null,
    section: typeof state.section === "string" ? state.section : null,
    clause: typeof state.clause === "string" ? state.clause : null,
  };
}

/**
 * Everyone present, from the awareness of the section indexes (every page follows every index).
 * A person with several pages open appears once, where they last were.
 */
export class People extends Subscribable<readonly Person[]> {
  constructor(
    private readonly indexes: readonly SectionIndex[],
    private readonly selfId: string,
  ) {
    super([]);
    for (const index of indexes) index.awareness?.on("change", this.read);
  }

  private readonly read = (): void => {
    const byId = new Map<string, Person>();
    for (const index of this.indexes) {
      for (const state of index.awareness?.getStates().values() ?? []) {
        const person = personOf(state);
        if (!person || person.id === this.selfId) continue;
        // The index of the section someone is in tells their clause; the others only the section.
        if (!byId.has(person.id) || person.section === index.id) byId.set(person.id, person);
      }
    }
    this.publish(
      [...byId.values()].sort(
        (a, b) => (a.delegation ?? "~").localeCompare(b.delegation ?? "~") || a.name.localeCompare(b.name),
      ),
    );
  };

  /**
   * Where this page is. The section goes to every index (so every page can tell where someone
   * is), the clause only to that section's index: moving between clauses updates one document.
   */
  announce(section: string | null, clause: string | null): void {
    for (const index of this.indexes) {
      const awareness = index.awareness;
      const local = awareness?.getLocalState();
      if (!awareness || !local) continue; // silent views announce nothing
      const here = index.id === section ? clause : null;
      if (local.section !== section || local.clause !== here)
        awareness.setLocalState({ ...local, section, clause: here });
    }
  }

  destroy(): void {
    for (const index of this.indexes) index.awareness?.off("change", this.read);
  }
}
