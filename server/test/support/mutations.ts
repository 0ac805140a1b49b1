import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Rng } from "./prng.ts";

/**
 * Byte-wise damage of real Yjs updates, as a hostile or broken client could send them: the
 * property tests of the update check (unit and over sockets) share these.
 */
export type Mutation = "flip" | "truncate" | "blowUp" | "foreignClient" | "bigClient" | "garble";

export const MUTATIONS: readonly Mutation[] = ["flip", "truncate", "blowUp", "foreignClient", "bigClient", "garble"];

export function mutate(update: Uint8Array, kind: Mutation, rng: Rng): Uint8Array {
  switch (kind) {
    case "flip": {
      const copy = update.slice();
      for (let n = rng.int(1, 3); n > 0; n--) {
        const at = rng.int(0, copy.length - 1);
        copy[at] = (copy[at] ?? 0) ^ (1 << rng.int(0, 7));
      }
      return copy;
    }
    case "truncate":
      return update.slice(0, rng.int(0, Math.max(0, update.length - 1)));
    case "blowUp":
      return blowUpVarint(update, rng);
    case "foreignClient":
      return replaceFirstClient(update, rng.int(1, 0xffff_fffe)) ?? update;
    case "bigClient":
      // Above 2^32 and possibly above 2^53: not an id Yjs makes.
      return replaceFirstClient(update, 2 ** 32 + rng.int(0, 2 ** 20) * 2 ** rng.int(0, 24)) ?? update;
    case "garble": {
      const copy = update.slice();
      const from = rng.int(0, copy.length - 1);
      for (let i = from; i < Math.min(copy.length, from + rng.int(1, 6)); i++) copy[i] = rng.int(0, 255);
      return copy;
    }
  }
}

/** Turns the one-byte end of a varint into an 8-byte varint: a huge client, clock or length. */
function blowUpVarint(update: Uint8Array, rng: Rng): Uint8Array {
  const ends = [...update.keys()].filter((i) => (update[i] ?? 0) < 0x80);
  if (ends.length === 0) return update;
  const at = rng.pick(ends);
  const tail = Array.from({ length: 7 }, (_, i) => (i < 6 ? 0x80 : 0) | rng.int(i < 6 ? 0 : 1, 0x7f));
  return Uint8Array.from([...update.slice(0, at), 0x80 | (update[at] ?? 0), ...tail, ...update.slice(at + 1)]);
}

/** The update with its first section's client id replaced; null when it has no section. */
function replaceFirstClient(update: Uint8Array, client: number): Uint8Array | null {
  try {
    const decoder = decoding.createDecoder(update);
    if (decoding.readVarUint(decoder) === 0) return null;
    decoding.readVarUint(decoder); // number of structs
    const start = decoder.pos;
    decoding.readVarUint(decoder);
    const encoder = encoding.createEncoder();
    encoding.writeUint8Array(encoder, update.slice(0, start));
    encoding.writeVarUint(encoder, client);
    encoding.writeUint8Array(encoder, update.slice(decoder.pos));
    return encoding.toUint8Array(encoder);
  } catch {
    return null;
  }
}
