import { webcrypto } from "node:crypto";
import { type Actor, isRole, isValidSegment, type Role } from "@gavel/model";
import { errors, jwtVerify, SignJWT } from "jose";
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

/**
 * The secret as a verification key, imported once: handed the raw bytes, jose imports them into
 * WebCrypto on every verification, which made it about three times as costly (a connect storm
 * verifies one token per socket).
 */
export function verifyingKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

/** Signs a join token; `ttlSeconds` from now. */
export async function signToken(secret: Uint8Array, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  return new SignJWT({ name: claims.name, role: claims.role, delegation: claims.delegation, session: claims.session })
    .setProtectedHeader({ alg: ALG })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secret);
}

/** Verifies signature, algorithm, expiry and the shape of every claim. */
export async function verifyToken(secret: Uint8Array | webcrypto.CryptoKey, token: string): Promise<VerifiedToken> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secret, { algorithms: [ALG], requiredClaims: ["sub", "exp"] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new GavelError("TOKEN_EXPIRED");
    throw new GavelError("TOKEN_INVALID");
  }
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
