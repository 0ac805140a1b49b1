import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { decodeStrict, MalformedFrameError, readOwnedBytes } from "./frames.ts";
import { readSyncMessage, type SyncMessage, writeSyncMessage } from "./sync.ts";

/** The plain endpoint speaks y-websocket's protocol: one document per connection, no address. */
export const PlainMessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

/** y-protocols auth.js: the only auth message is permission-denied. */
const PERMISSION_DENIED = 0;

export type PlainInbound =
  | SyncMessage
  | { readonly type: "awareness"; readonly update: Uint8Array }
  | { readonly type: "queryAwareness" };

export function decodePlainFrame(data: Uint8Array): PlainInbound {
  return decodeStrict(data, (decoder): PlainInbound => {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case PlainMessageType.sync:
        return readSyncMessage(decoder);
      case PlainMessageType.awareness:
        return { type: "awareness", update: readOwnedBytes(decoder) };
      case PlainMessageType.queryAwareness:
        return { type: "queryAwareness" };
      default:
        throw new MalformedFrameError(`unknown message type ${type}`);
    }
  });
}

function frame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export const encodePlain = {
  sync: (message: SyncMessage): Uint8Array => frame(PlainMessageType.sync, (e) => writeSyncMessage(e, message)),
  awareness: (update: Uint8Array): Uint8Array =>
    frame(PlainMessageType.awareness, (e) => encoding.writeVarUint8Array(e, update)),
  permissionDenied: (reason: string): Uint8Array =>
    frame(PlainMessageType.auth, (e) => {
      encoding.writeVarUint(e, PERMISSION_DENIED);
      encoding.writeVarString(e, reason);
    }),
};
