import type { IndexedClause } from "@gavel/model";
import { useEffect, useRef } from "react";
import { refusalMessage } from "../commands.ts";
import { ClauseBinding, type ClauseNotice } from "../room/ClauseBinding.ts";
import type { Room } from "../room/Room.ts";

/** What a clause notice means to the people in the room, in one sentence. */
function noticeText(label: string, notice: ClauseNotice): string {
  switch (notice.type) {
    case "locked":
      return `Clause ${label} was locked by ${notice.by}${notice.reason ? ` (${notice.reason})` : ""}.`;
    case "unlocked":
      return `Clause ${label} was unlocked by ${notice.by}: ${notice.reason}.`;
    case "refused":
      return `Your edit to clause ${label} was not accepted: ${refusalMessage(notice.code)} It shows the server's text again.`;
  }
}

/**
 * One ClauseBinding per clause of the section, created when the clause first appears and
 * destroyed when it leaves the index or the section closes: a clause's document lives exactly
 * as long as the clause is on screen.
 */
export function useClauseBindings(
  room: Room,
  session: string,
  section: string,
  clauses: readonly IndexedClause[],
  silent: boolean,
  notify: (message: string) => void,
  /** A clause left the index (deleted): its binding is gone. */
  onRemoved: (clause: string, label: string) => void,
): (clause: string) => ClauseBinding {
  const bindings = useRef(new Map<string, ClauseBinding>());
  const labels = useRef(new Map<string, string>());
  for (const clause of clauses) labels.current.set(clause.id, clause.label);

  // Created on first render of a clause, not in an effect: its editor needs the document in that
  // same render. The map lives in a ref, so a render React throws away creates nothing twice; the
  // effects below are the only place bindings end.
  const bindingOf = (clause: string): ClauseBinding => {
    let binding = bindings.current.get(clause);
    if (!binding) {
      binding = new ClauseBinding(
        room,
        `${session}/${section}/${clause}`,
        (notice) => notify(noticeText(labels.current.get(clause) ?? clause, notice)),
        silent,
      );
      bindings.current.set(clause, binding);
    }
    return binding;
  };

  const removed = useRef(onRemoved);
  removed.current = onRemoved;
  const ids = clauses.map((c) => c.id).join("\n");
  useEffect(() => {
    const keep = new Set(ids.split("\n"));
    for (const [id, binding] of bindings.current) {
      if (keep.has(id)) continue;
      binding.destroy();
      bindings.current.delete(id);
      removed.current(id, labels.current.get(id) ?? id);
    }
  }, [ids]);

  useEffect(() => {
    const all = bindings.current;
    return () => {
      for (const binding of all.values()) binding.destroy();
      all.clear();
    };
  }, []);

  return bindingOf;
}
