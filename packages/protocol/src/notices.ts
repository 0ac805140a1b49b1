/**
 * Stateless notices the server sends on the multiplexed endpoint (JSON in a stateless
 * message). Versioned with docs/PROTOCOL.md.
 */
export type Notice =
  /** A write or a message to `doc` was refused; `code` is from the error catalogue. */
  | { readonly type: "refused"; readonly doc: string; readonly reason: string; readonly code: string }
  /** The clause was locked: make its editor read-only and reset the local copy. */
  | {
      readonly type: "locked";
      readonly doc: string;
      readonly by: string;
      readonly at: string;
      readonly reason: string | null;
    }
  /** The clause was unlocked: writes are accepted again. */
  | {
      readonly type: "unlocked";
      readonly doc: string;
      readonly by: string;
      readonly at: string;
      readonly reason: string;
    }
  /** The answer to a command sent as a stateless message; `id` echoes the request's. */
  | {
      readonly type: "commandResult";
      readonly id: string | null;
      readonly ok: boolean;
      readonly result?: unknown;
      readonly error?: { readonly code: string; readonly message: string };
    };

export function encodeNotice(notice: Notice): string {
  return JSON.stringify(notice);
}
