import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { MalformedFrameError, readOwnedBytes } from "./frames.ts";

/** y-protocols sync sub-messages (sync.js): the same bytes on both endpoints. */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

export type SyncMessage =
  | { readonly type: "syncStep1"; readonly stateVector: Uint8Array }
  | { readonly type: "syncStep2"; readonly update: Uint8Array }
  | { readonly type: "update"; readonly update: Uint8Array };

export function readSyncMessage(decoder: decoding.Decoder): SyncMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case SyncType.step1:
      return { type: "syncStep1", stateVector: checkStateVector(readOwnedBytes(decoder)) };
    case SyncType.step2:
      return { type: "syncStep2", update: readOwnedBytes(decoder) };
    case SyncType.update:
      return { type: "update", update: readOwnedBytes(decoder) };
    default:
      throw new MalformedFrameError(`unknown sync message type ${type}`);
  }
}

/**
 * A state vector as Yjs reads it (count, then client and clock pairs): one that Yjs cannot read
 * is the client's malformed frame, not a failure of the server answering it.
 */
function checkStateVector(bytes: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(bytes);
  for (let entries = decoding.readVarUint(decoder); entries > 0; entries--) {
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
  }
  return bytes;
}

export function writeSyncMessage(encoder: encoding.Encoder, message: SyncMessage): void {
  switch (message.type) {
    case "syncStep1":
      encoding.writeVarUint(encoder, SyncType.step1);
      encoding.writeVarUint8Array(encoder, message.stateVector);
      return;
    case "syncStep2":
      encoding.writeVarUint(encoder, SyncType.step2);
      encoding.writeVarUint8Array(encoder, message.update);
      return;
    case "update":
      encoding.writeVarUint(encoder, SyncType.update);
      encoding.writeVarUint8Array(encoder, message.update);
      return;
  }
}
