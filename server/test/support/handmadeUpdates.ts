import * as encoding from "lib0/encoding";
import type * as Y from "yjs";

/** One string item as a hand-made update names it: origins, or (with neither) a root type. */
export interface HandmadeItem {
  readonly origin: Y.ID | null;
  readonly right: Y.ID | null;
  readonly text: string;
  /** The root type's name, written when the item names neither origin. */
  readonly root?: string;
}

/**
 * A hand-made Yjs V1 update: one client's string items from `clock` on, each with the origins
 * given (as a damaged or crafted update may name them), and no deletes.
 */
export function itemUpdate(client: number, clock: number, items: readonly HandmadeItem[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, items.length);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, clock);
  for (const { origin, right, text, root = "default" } of items) {
    // ContentString (4), with an origin (bit 8) and a right origin (bit 7) when named.
    encoding.writeUint8(encoder, 4 | (origin ? 0x80 : 0) | (right ? 0x40 : 0));
    for (const id of [origin, right]) {
      if (!id) continue;
      encoding.writeVarUint(encoder, id.client);
      encoding.writeVarUint(encoder, id.clock);
    }
    if (!origin && !right) {
      // The parent: a root type, by name.
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarString(encoder, root);
    }
    encoding.writeVarString(encoder, text);
  }
  encoding.writeVarUint(encoder, 0);
  return encoding.toUint8Array(encoder);
}
