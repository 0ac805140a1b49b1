import { useEffect, useState } from "react";
import type { SectionIndex } from "../room/SectionIndex.ts";

/** The clause under discussion in the whole session: the one taken up last, in any section. */
export interface Followed {
  readonly section: string;
  readonly clause: string;
}

function latestTakenUp(indexes: readonly SectionIndex[]): Followed | null {
  let best: (Followed & { at: string }) | null = null;
  for (const index of indexes) {
    const taken = index.getSnapshot().takenUp;
    if (taken && (!best || taken.at > best.at)) best = { section: index.id, clause: taken.clause, at: taken.at };
  }
  return best ? { section: best.section, clause: best.clause } : null;
}

/**
 * Follows the chair: when `follow` is on (the projector, an observer who asks for it), the page
 * goes to the section of the clause taken up, each time another one is.
 */
export function useFollowTakenUp(
  indexes: readonly SectionIndex[],
  follow: boolean,
  go: (section: string) => void,
): Followed | null {
  const [followed, setFollowed] = useState(() => latestTakenUp(indexes));
  useEffect(() => {
    const update = () =>
      setFollowed((old) => {
        const next = latestTakenUp(indexes);
        return old?.section === next?.section && old?.clause === next?.clause ? old : next;
      });
    const unsubscribe = indexes.map((index) => index.subscribe(update));
    update();
    return () => {
      for (const stop of unsubscribe) stop();
    };
  }, [indexes]);
  useEffect(() => {
    if (follow && followed) go(followed.section);
  }, [follow, followed, go]);
  return follow ? followed : null;
}
