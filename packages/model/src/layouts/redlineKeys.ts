import * as Y from "yjs";

/*
 * Reading a value as it was at a snapshot, for the redline: a map key's items form a chain
 * (each new value's `left` is the one it replaced), and the value of the time is the one that
 * existed then and was not yet deleted.
 */

export function existedAt(snapshot: Y.Snapshot, item: Y.Item): boolean {
  return (snapshot.sv.get(item.id.client) ?? 0) > item.id.clock;
}

export function visibleAt(snapshot: Y.Snapshot, item: Y.Item): boolean {
  return existedAt(snapshot, item) && !Y.isDeleted(snapshot.ds, item.id);
}

/** The value of `key` in `map` at `snapshot`; undefined when it had none. */
export function mapValueAt(map: Y.Map<unknown>, key: string, snapshot: Y.Snapshot): unknown {
  for (let item = map._map.get(key) ?? null; item !== null; item = item.left) {
    if (!visibleAt(snapshot, item)) continue;
    const content = item.content;
    if (content instanceof Y.ContentType) return content.type;
    const values = content.getContent();
    return values[values.length - 1];
  }
  return undefined;
}

/**
 * Which bracket a mark puts text in, as the reader tells brackets apart: by id; marks without
 * an id all read as one key, since only a contiguous stretch of them is one bracket; none for a
 * removed (null or false) mark.
 */
export function bracketKey(value: unknown): string | null {
  if (value === null || value === undefined || value === false) return null;
  const id = typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>).id : undefined;
  return typeof id === "string" && id.length > 0 ? `#${id}` : "?";
}
