import { useEffect } from "react";
import { refusalMessage } from "../commands.ts";

/** Keys that would change text: a character, or a deletion or a new line. */
export function writes(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  return event.key.length === 1 || event.key === "Backspace" || event.key === "Delete" || event.key === "Enter";
}

/**
 * An observer who clicks into a clause and types sees nothing happen: the clause is read-only
 * (nothing is sent, the server would refuse it). This says why, once per burst of keys (the
 * notices drop a repeat of the same message).
 */
export function useReadOnlyNotice(active: boolean, notify: (message: string) => void): void {
  useEffect(() => {
    if (!active) return;
    let inClause = false;
    const onPointer = (event: PointerEvent) => {
      inClause = event.target instanceof Element && event.target.closest("article[data-clause]") !== null;
    };
    const onKey = (event: KeyboardEvent) => {
      const focused = document.activeElement;
      const reading = focused === document.body || focused?.closest("article[data-clause]") != null;
      if (inClause && reading && writes(event)) notify(refusalMessage("READ_ONLY"));
    };
    document.addEventListener("pointerdown", onPointer, true);
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("pointerdown", onPointer, true);
      document.removeEventListener("keydown", onKey, true);
    };
  }, [active, notify]);
}
