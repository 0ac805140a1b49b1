/**
 * WebSocket close codes the server uses. Documented in docs/PROTOCOL.md; keep both in step.
 */
export const CloseCode = {
  /** The server is shutting down; reconnect later. */
  goingAway: 1001,
  /** A frame exceeded MAX_MESSAGE_BYTES. */
  messageTooBig: 1009,
  /** The server failed on this connection's document; reconnect. */
  internalError: 1011,
  /** A frame could not be decoded: truncated, unknown message type, trailing bytes. */
  malformedFrame: 4400,
  /** The token expired while the connection was open, or a tokenless /collab socket authenticated no document in time. */
  unauthorized: 4401,
  /** The connection may not do what it asked (e.g. opened too many documents). */
  forbidden: 4403,
  /** No traffic (not even a pong) within the keep-alive window. */
  timeout: 4408,
  /** An update decoded but Yjs could not read it; nothing of it was stored. */
  invalidUpdate: 4422,
  /** Too many frames per second. */
  rateLimited: 4429,
  /** The client did not read its messages: its send queue went over the bound. */
  slowConsumer: 4503,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
