import { type ReactNode, useLayoutEffect, useRef } from "react";
import { createPortal } from "react-dom";

/**
 * Puts `wanted` in order inside `list` without ever moving the element that holds the focus:
 * a moved node loses focus, selection and IME composition, so the others move around it.
 */
export function arrange(list: HTMLElement, wanted: readonly HTMLElement[]): void {
  const active = document.activeElement;
  let pivot = wanted.findIndex((host) => host.parentNode === list && active !== null && host.contains(active));
  if (pivot < 0) pivot = wanted.findIndex((host) => host.parentNode === list);
  if (pivot < 0) {
    list.append(...wanted);
    return;
  }
  for (let i = pivot - 1; i >= 0; i -= 1) {
    const host = wanted[i];
    const next = wanted[i + 1];
    if (host && next && host.nextSibling !== next) list.insertBefore(host, next);
  }
  for (let i = pivot + 1; i < wanted.length; i += 1) {
    const host = wanted[i];
    const previous = wanted[i - 1];
    if (host && previous && previous.nextSibling !== host) list.insertBefore(host, previous.nextSibling);
  }
}

/**
 * The clauses of a section, in the index's order. Each row is rendered through a portal into a
 * list item created once per clause, and only the list items are ordered (by `arrange`), so
 * that an index change (insert, move, state, lock) re-renders headers but never re-creates or
 * moves the editor someone is typing in.
 */
export function ClauseList<T extends { readonly id: string }>({
  items,
  label,
  render,
}: {
  readonly items: readonly T[];
  readonly label: string;
  readonly render: (item: T) => ReactNode;
}) {
  const listRef = useRef<HTMLOListElement>(null);
  const hosts = useRef(new Map<string, HTMLLIElement>());
  const hostFor = (id: string): HTMLLIElement => {
    let host = hosts.current.get(id);
    if (!host) {
      host = document.createElement("li");
      host.className = "clause-item";
      host.dataset.clause = id;
      hosts.current.set(id, host);
    }
    return host;
  };
  const order = items.map((item) => item.id).join("\n");

  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const ids = order ? order.split("\n") : [];
    const keep = new Set(ids);
    for (const [id, host] of hosts.current) {
      if (keep.has(id)) continue;
      host.remove();
      hosts.current.delete(id);
    }
    arrange(
      list,
      ids.map((id) => hostFor(id)),
    );
  });

  return (
    <ol className="clauses" ref={listRef} aria-label={label}>
      {items.map((item) => createPortal(render(item), hostFor(item.id), item.id))}
    </ol>
  );
}
