import { useCallback, useEffect, useRef, useState } from "react";

export interface RoomNotice {
  readonly id: number;
  readonly message: string;
  readonly at: Date;
}

const KEEP = 20;
const LATEST_FOR_MS = 10_000;
const REPEAT_MS = 5000;

/**
 * Notices of the room (locks, refusals). The latest stands in the room bar (sticky above the
 * clauses) for a few seconds, in a line of its own that never covers a control; the aside keeps
 * the last ones.
 */
export function useNotices() {
  const [all, setAll] = useState<readonly RoomNotice[]>([]);
  const [latest, setLatest] = useState<RoomNotice | null>(null);
  const counter = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // When each message was last said: the same notice again within a few seconds (a refused
  // keystroke after another, even with the server's refusal of an earlier edit between them)
  // says nothing new.
  const said = useRef(new Map<string, number>());
  const add = useCallback((message: string) => {
    const now = Date.now();
    const before = said.current.get(message);
    if (before !== undefined && now - before < REPEAT_MS) return;
    for (const [old, at] of said.current) if (now - at >= REPEAT_MS) said.current.delete(old);
    said.current.set(message, now);
    counter.current += 1;
    const notice = { id: counter.current, message, at: new Date(now) };
    setAll((old) => [notice, ...old].slice(0, KEEP));
    setLatest(notice);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setLatest(null), LATEST_FOR_MS);
  }, []);
  const dismiss = useCallback((id: number) => {
    setAll((old) => old.filter((n) => n.id !== id));
    setLatest((old) => (old?.id === id ? null : old));
  }, []);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return { all, latest, add, dismiss };
}

export function NoticeLog({
  notices,
  onDismiss,
}: {
  readonly notices: readonly RoomNotice[];
  readonly onDismiss: (id: number) => void;
}) {
  return (
    <section className="notice-log" aria-labelledby="notices-title">
      <h2 id="notices-title">Notices</h2>
      {notices.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ul>
          {notices.map((notice) => (
            <li key={notice.id}>
              <time dateTime={notice.at.toISOString()}>{notice.at.toLocaleTimeString()}</time> {notice.message}{" "}
              <button type="button" className="link" onClick={() => onDismiss(notice.id)} aria-label="Dismiss notice">
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
