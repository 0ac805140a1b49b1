import { type Actor, isRole, isValidSegment, type Role } from "@gavel/model";
import { createSigner, createVerifier, TokenError } from "fast-jwt";
import { GavelError } from "../errors.ts";

export interface TokenClaims {
  readonly sub: string;
  readonly name: string;
  readonly role: Role;
  readonly delegation: string | null;
  readonly session: string;
}

export interface VerifiedToken {
  readonly actor: Actor;
  /** Expiry, in milliseconds since the epoch. */
  readonly expiresAt: number;
}

const ALG = "HS256";

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs a join token; `ttlSeconds` from now. */
export async function signToken(secret: Uint8Array, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  const sign = createSigner({ key: Buffer.from(secret), algorithm: ALG });
  const iat = Math.floor(Date.now() / 1000);
  const { sub, name, role, delegation, session } = claims;
  return sign({ sub, name, role, delegation, session, iat, exp: iat + ttlSeconds });
}

/**
 * Verifies signature, algorithm, expiry and the shape of every claim, synchronously: the HMAC
 * is computed with node:crypto on this thread. WebCrypto (jose, before) sent every verification
 * to the thread pool and back, about 60 µs of CPU and two thread switches per token, and a
 * connect storm verifies one token per socket. Nothing is cached: a token is verified every time.
 */
export function tokenVerifier(secret: Uint8Array): (token: string) => VerifiedToken {
  const verify = createVerifier({
    key: Buffer.from(secret),
    algorithms: [ALG],
    requiredClaims: ["sub", "exp"],
    cache: false,
  });
  return (token) => {
    let payload: Record<string, unknown>;
    try {
      payload = verify(token) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof TokenError && error.code === TokenError.codes.expired) throw new GavelError("TOKEN_EXPIRED");
      throw new GavelError("TOKEN_INVALID");
    }
    return claimsOf(payload);
  };
}

/** One verification (tests, tools); a server makes its verifier once (`tokenVerifier`). */
export async function verifyToken(secret: Uint8Array, token: string): Promise<VerifiedToken> {
  return tokenVerifier(secret)(token);
}

function claimsOf(payload: Record<string, unknown>): VerifiedToken {
  const { sub, name, role, delegation, session, exp } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 128)
    throw new GavelError("TOKEN_INVALID", "bad sub claim");
  if (typeof name !== "string" || name.length === 0 || name.length > 128)
    throw new GavelError("TOKEN_INVALID", "bad name claim");
  if (!isRole(role)) throw new GavelError("TOKEN_INVALID", "bad role claim");
  if (delegation !== undefined && delegation !== null && (typeof delegation !== "string" || delegation.length > 32)) {
    throw new GavelError("TOKEN_INVALID", "bad delegation claim");
  }
  if (typeof session !== "string" || !isValidSegment(session))
    throw new GavelError("TOKEN_INVALID", "bad session claim");
  if (typeof exp !== "number") throw new GavelError("TOKEN_INVALID", "bad exp claim");
  return {
    actor: { sub, name, role, delegation: typeof delegation === "string" && delegation ? delegation : null, session },
    expiresAt: exp * 1000,
  };
}

/** Reads `Authorization: Bearer T`. */
export function bearerOf(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) throw new GavelError("TOKEN_MISSING");
  return match[1];
}
