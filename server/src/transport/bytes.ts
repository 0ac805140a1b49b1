import type { RawData } from "ws";

/** ws hands over a Buffer, an ArrayBuffer or fragments; the protocol code wants one Uint8Array. */
export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
