import type { IndexedClause } from "@gavel/model";
import { type ReactNode, useEffect, useRef } from "react";
import type { RoomContext } from "./App.tsx";
import type { RoomNotice } from "./Notices.tsx";

/**
 * What must stay in view while people scroll through a long section: the clause under
 * discussion, what this delegation still has to confirm, the latest notice, and the toolbar.
 * It is sticky at the top of the main column, and the notice has a line of its own, so nothing
 * moves under a pointer and nothing covers a control.
 */
export function RoomBar({
  ctx,
  clauses,
  takenUp,
  latest,
  onConfirm,
  children,
}: {
  readonly ctx: RoomContext;
  readonly clauses: readonly IndexedClause[];
  readonly takenUp: string | null;
  readonly latest: RoomNotice | null;
  readonly onConfirm: (clause: IndexedClause) => void;
  readonly children?: ReactNode;
}) {
  const bar = useRef<HTMLDivElement>(null);
  useKeptClearOfScrolling(bar);
  const taken = clauses.find((c) => c.id === takenUp);
  const delegation = ctx.identity.delegation;
  const toConfirm =
    ctx.silent || !delegation
      ? []
      : clauses.filter((c) => c.consensus.state === "agreed_ad_ref" && c.consensus.pending.includes(delegation));
  return (
    <div className="room-bar" ref={bar}>
      {taken ? (
        <p className="discussion-banner">
          Under discussion: clause <strong>{taken.label}</strong>
        </p>
      ) : null}
      {toConfirm.length > 0 ? (
        <p className="to-confirm">
          {delegation} is asked to confirm{" "}
          {toConfirm.map((clause) => (
            <button key={clause.id} type="button" data-confirm={clause.id} onClick={() => onConfirm(clause)}>
              clause {clause.label}
            </button>
          ))}
        </p>
      ) : null}
      {ctx.view === "projector" ? null : (
        <p id="latest-notice" role="status" aria-live="polite" title={latest?.message ?? ""}>
          {latest?.message ?? ""}
        </p>
      )}
      {children}
    </div>
  );
}

/**
 * The page scrolls what gets the focus (a clause's number, its text, a Tab press) to just below
 * the bar, not under it: the document's scroll padding follows the bar's height, which changes
 * with the toolbar, the banner and the notice.
 */
function useKeptClearOfScrolling(bar: { readonly current: HTMLElement | null }): void {
  useEffect(() => {
    const element = bar.current;
    if (!element) return;
    const root = element.ownerDocument.documentElement;
    const follow = () => {
      root.style.scrollPaddingTop = `${Math.ceil(element.getBoundingClientRect().height) + 8}px`;
    };
    follow();
    const observer = new ResizeObserver(follow);
    observer.observe(element);
    return () => {
      observer.disconnect();
      root.style.scrollPaddingTop = "";
    };
  }, [bar]);
}
