import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { decodeStrict, MalformedFrameError, readBoundedString, readOwnedBytes } from "./frames.ts";
import { readSyncMessage, type SyncMessage, writeSyncMessage } from "./sync.ts";

/**
 * The multiplexed endpoint speaks the Hocuspocus wire protocol (provider 4.x): every frame but
 * ping/pong starts with the document address, then a message type.
 */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  syncReply: 4,
  stateless: 5,
  close: 7,
  syncStatus: 8,
  ping: 9,
  pong: 10,
} as const;

export const AuthType = { token: 0, permissionDenied: 1, authenticated: 2 } as const;

export const MAX_ADDRESS_LENGTH = 256;
export const MAX_TOKEN_LENGTH = 4096;

export type DocumentMessage =
  | { readonly type: "auth"; readonly token: string; readonly providerVersion: string | null }
  | SyncMessage
  | { readonly type: "awareness"; readonly update: Uint8Array }
  | { readonly type: "queryAwareness" }
  | { readonly type: "stateless"; readonly payload: string }
  | { readonly type: "close" };

export type InboundFrame =
  | { readonly type: "pong" }
  | {
      readonly type: "document";
      /** The address exactly as sent (may carry a provider session id after a NUL). */
      readonly address: string;
      /** The document name: the address up to the first NUL. */
      readonly documentName: string;
      readonly message: DocumentMessage;
    };

export function decodeInboundFrame(data: Uint8Array, maxStatelessLength: number): InboundFrame {
  if (data.length === 1 && data[0] === MessageType.pong) return { type: "pong" };
  return decodeStrict(data, (decoder) => {
    const address = readBoundedString(decoder, MAX_ADDRESS_LENGTH, "document address");
    const nul = address.indexOf("\0");
    const documentName = nul === -1 ? address : address.slice(0, nul);
    const message = readDocumentMessage(decoder, maxStatelessLength);
    return { type: "document", address, documentName, message };
  });
}

function readDocumentMessage(decoder: decoding.Decoder, maxStatelessLength: number): DocumentMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.sync:
    case MessageType.syncReply:
      return readSyncMessage(decoder);
    case MessageType.awareness:
      return { type: "awareness", update: readOwnedBytes(decoder) };
    case MessageType.auth: {
      const authType = decoding.readVarUint(decoder);
      if (authType !== AuthType.token)
        throw new MalformedFrameError(`clients may only send auth tokens, got ${authType}`);
      const token = readBoundedString(decoder, MAX_TOKEN_LENGTH, "token");
      const providerVersion = decoding.hasContent(decoder) ? readBoundedString(decoder, 64, "provider version") : null;
      return { type: "auth", token, providerVersion };
    }
    case MessageType.queryAwareness:
      return { type: "queryAwareness" };
    case MessageType.stateless:
      return { type: "stateless", payload: readBoundedString(decoder, maxStatelessLength, "stateless payload") };
    case MessageType.close:
      return { type: "close" };
    default:
      throw new MalformedFrameError(`unknown message type ${type}`);
  }
}

function frame(address: string, type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export const encodeMultiplexed = {
  sync: (address: string, message: SyncMessage): Uint8Array =>
    frame(address, MessageType.sync, (e) => writeSyncMessage(e, message)),
  awareness: (address: string, update: Uint8Array): Uint8Array =>
    frame(address, MessageType.awareness, (e) => encoding.writeVarUint8Array(e, update)),
  authenticated: (address: string, scope: "read-write" | "readonly"): Uint8Array =>
    frame(address, MessageType.auth, (e) => {
      encoding.writeVarUint(e, AuthType.authenticated);
      encoding.writeVarString(e, scope);
    }),
  permissionDenied: (address: string, reason: string): Uint8Array =>
    frame(address, MessageType.auth, (e) => {
      encoding.writeVarUint(e, AuthType.permissionDenied);
      encoding.writeVarString(e, reason);
    }),
  stateless: (address: string, payload: string): Uint8Array =>
    frame(address, MessageType.stateless, (e) => encoding.writeVarString(e, payload)),
  syncStatus: (address: string, applied: boolean): Uint8Array =>
    frame(address, MessageType.syncStatus, (e) => encoding.writeVarUint(e, applied ? 1 : 0)),
  close: (address: string, reason: string): Uint8Array =>
    frame(address, MessageType.close, (e) => encoding.writeVarString(e, reason)),
  ping: (): Uint8Array => Uint8Array.of(MessageType.ping),
};
