import * as Y from "yjs";
import type { StoredUpdate, UpdateAuthor } from "../store/Store.ts";

/** Who made a change, as the redline shows it. */
export interface RedlineAuthor {
  readonly name: string;
  readonly delegation: string | null;
  readonly role: UpdateAuthor["role"];
}

interface Range {
  readonly clock: number;
  readonly len: number;
  readonly author: RedlineAuthor;
}

/** Which stored update created, and which deleted, each struct id (the first one that did). */
export class Attribution {
  private readonly created = new Map<number, Range[]>();
  private readonly deleted = new Map<number, Range[]>();

  add(record: StoredUpdate): void {
    const { name, delegation, role } = record.author;
    const author: RedlineAuthor = { name, delegation, role };
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(record.update);
    } catch {
      return;
    }
    for (const struct of decoded.structs) {
      if (struct instanceof Y.Skip) continue;
      push(this.created, struct.id.client, { clock: struct.id.clock, len: struct.length, author });
    }
    for (const [client, ranges] of decoded.ds.clients) {
      for (const { clock, len } of ranges) push(this.deleted, client, { clock, len, author });
    }
  }

  creatorOf(client: number, clock: number): RedlineAuthor | null {
    return find(this.created, client, clock);
  }

  deleterOf(client: number, clock: number): RedlineAuthor | null {
    return find(this.deleted, client, clock);
  }
}

function push(map: Map<number, Range[]>, client: number, range: Range): void {
  const ranges = map.get(client);
  if (ranges) ranges.push(range);
  else map.set(client, [range]);
}

function find(map: Map<number, Range[]>, client: number, clock: number): RedlineAuthor | null {
  for (const range of map.get(client) ?? []) {
    if (clock >= range.clock && clock < range.clock + range.len) return range.author;
  }
  return null;
}
