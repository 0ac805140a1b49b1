import * as decoding from "lib0/decoding";

/** A frame that cannot be decoded. The connection that sent it is closed (4400). */
export class MalformedFrameError extends Error {
  override readonly name = "MalformedFrameError";
}

/** Runs a decoder and turns every failure (bounds, trailing bytes) into MalformedFrameError. */
export function decodeStrict<T>(data: Uint8Array, read: (decoder: decoding.Decoder) => T): T {
  const decoder = decoding.createDecoder(data);
  let value: T;
  try {
    value = read(decoder);
  } catch (error) {
    if (error instanceof MalformedFrameError) throw error;
    throw new MalformedFrameError(error instanceof Error ? error.message : "undecodable frame");
  }
  if (decoding.hasContent(decoder)) throw new MalformedFrameError("trailing bytes after message");
  return value;
}

/** Reads a length-prefixed byte array as an owned copy (never a view on the socket buffer). */
export function readOwnedBytes(decoder: decoding.Decoder): Uint8Array {
  return decoding.readVarUint8Array(decoder).slice();
}

export function readBoundedString(decoder: decoding.Decoder, maxLength: number, what: string): string {
  const value = decoding.readVarString(decoder);
  if (value.length > maxLength) throw new MalformedFrameError(`${what} longer than ${maxLength}`);
  return value;
}
