import { useCallback, useEffect, useState, useSyncExternalStore } from "react";

/** Anything with the useSyncExternalStore pair (Subscribable, and small adapters). */
export interface Store<T> {
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => T;
}

export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export type Breakpoint = "phone" | "tablet" | "desktop";

const QUERIES: readonly [Breakpoint, string][] = [
  ["desktop", "(min-width: 1200px)"],
  ["tablet", "(min-width: 700px)"],
];

function currentBreakpoint(): Breakpoint {
  for (const [name, query] of QUERIES) if (matchMedia(query).matches) return name;
  return "phone";
}

/** One column on a phone, two on a tablet, three on a desktop (the layout's only decision point). */
export function useBreakpoint(): Breakpoint {
  const [breakpoint, setBreakpoint] = useState(currentBreakpoint);
  useEffect(() => {
    const lists = QUERIES.map(([, query]) => matchMedia(query));
    const update = () => setBreakpoint(currentBreakpoint());
    for (const list of lists) list.addEventListener("change", update);
    return () => {
      for (const list of lists) list.removeEventListener("change", update);
    };
  }, []);
  return breakpoint;
}

/** The section in the address (`#introduction`), so that links and reloads keep the place. */
export function useHash(): [string, (next: string) => void] {
  const [hash, setHash] = useState(() => location.hash.slice(1));
  useEffect(() => {
    const update = () => setHash(location.hash.slice(1));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  const go = useCallback((next: string) => {
    if (location.hash.slice(1) !== next) location.hash = next;
  }, []);
  return [hash, go];
}
