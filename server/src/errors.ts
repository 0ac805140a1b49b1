/**
 * The error catalogue: every refusal the server gives, with a stable code and its HTTP status.
 * WebSocket refusals use the same codes in notices; close codes live in @gavel/protocol.
 */
export const ERRORS = {
  BAD_REQUEST: { status: 400, message: "the request is malformed" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "the request body is larger than MAX_MESSAGE_BYTES" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "the request body's content type is not supported" },
  INVALID_NAME: { status: 400, message: "the name does not match the allowed pattern" },
  UNKNOWN_TEMPLATE: { status: 400, message: "unknown session template" },
  TOKEN_MISSING: { status: 401, message: "a bearer token is required" },
  TOKEN_INVALID: { status: 401, message: "the token is invalid or forged" },
  TOKEN_EXPIRED: { status: 401, message: "the token has expired" },
  WRONG_SESSION: { status: 403, message: "the token is for another session" },
  ORIGIN_NOT_ALLOWED: { status: 403, message: "the Origin is not allowed" },
  FORBIDDEN: { status: 403, message: "this role may not do that" },
  READ_ONLY: { status: 403, message: "observers are read-only" },
  INDEX_READ_ONLY: { status: 403, message: "section indexes are written only by commands" },
  UNKNOWN_DOCUMENT: { status: 404, message: "no such session, section or clause" },
  UNKNOWN_REVISION: { status: 404, message: "no revision with this label" },
  NOT_FOUND: { status: 404, message: "not found" },
  SESSION_EXISTS: { status: 409, message: "a session with this id exists" },
  REVISION_EXISTS: { status: 409, message: "a revision with this label exists" },
  LOCKED: { status: 409, message: "the clause is locked" },
  BRACKET_OWNED: {
    status: 403,
    message: "only its proposers, the chair or the secretariat may change this bracket",
  },
  NOT_LOCKED: { status: 409, message: "the clause is not locked" },
  ALREADY_LOCKED: { status: 409, message: "the clause is already locked" },
  NOT_AGREED: { status: 409, message: "locking a clause that is not agreed needs a reason" },
  OPEN_BRACKETS: { status: 409, message: "the clause still has open brackets" },
  BRACKETED: { status: 409, message: "a clean export needs a text without brackets" },
  NOT_PENDING: { status: 403, message: "your delegation is not among those that must confirm" },
  REASON_REQUIRED: { status: 400, message: "a reason is required" },
  PENDING_REQUIRED: { status: 400, message: "agreed ad referendum needs the delegations that must confirm" },
  STORE_UNAVAILABLE: { status: 503, message: "the store cannot be reached" },
  TOO_MANY_UNAUTHENTICATED: {
    status: 503,
    message: "too many sockets are waiting to authenticate a document; retry later",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class GavelError extends Error {
  override readonly name = "GavelError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    detail?: string,
  ) {
    super(detail ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
}

export function errorBody(error: GavelError): { error: { code: ErrorCode; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/**
 * Fastify's own refusals of a request (malformed or empty JSON, a forbidden `__proto__` key, a
 * body over the limit, an unknown content type, schema validation) as catalogue errors, keeping
 * their 4xx meaning; null for anything else.
 */
export function requestErrorOf(error: unknown): GavelError | null {
  if (typeof error !== "object" || error === null) return null;
  const message = error instanceof Error ? error.message : undefined;
  if ("validation" in error) return new GavelError("BAD_REQUEST", message);
  const status = "statusCode" in error ? error.statusCode : undefined;
  if (typeof status !== "number" || status < 400 || status > 499) return null;
  if (status === 413) return new GavelError("PAYLOAD_TOO_LARGE", message);
  if (status === 415) return new GavelError("UNSUPPORTED_MEDIA_TYPE", message);
  return new GavelError("BAD_REQUEST", message);
}
