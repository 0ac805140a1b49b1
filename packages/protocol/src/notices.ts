/**
 * Stateless notices the server sends on the multiplexed endpoint (JSON in a stateless
 * message). Versioned with docs/PROTOCOL.md.
 */
export type Notice =
  | { readonly type: "refused"; readonly doc: string; readonly reason: string; readonly code: string }
  | { readonly type: "reset"; readonly doc: string; readonly reason: string };

export function encodeNotice(notice: Notice): string {
  return JSON.stringify(notice);
}
