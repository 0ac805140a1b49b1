import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { bearerOf, secretKey, signToken, type TokenClaims, tokenVerifier, verifyToken } from "../src/auth/tokens.ts";
import { GavelError } from "../src/errors.ts";

const SECRET = secretKey("a-test-secret-that-is-long-enough-0123456789");
const OTHER = secretKey("another-secret-that-is-long-enough-9876543210");
const CLAIMS: TokenClaims = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr", session: "s1" };

async function rejection(promise: Promise<unknown>): Promise<GavelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GavelError) return error;
    throw error;
  }
  throw new Error("expected a GavelError, but the promise resolved");
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Signs an arbitrary payload with HS256, bypassing signToken's typed claims. */
function signRaw(payload: Record<string, unknown>, key: Uint8Array = SECRET, alg = "HS256"): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(key);
}

const validPayload = { sub: "u-ana", name: "Ana", role: "delegate", delegation: "fr", session: "s1" };

describe("signToken / verifyToken", () => {
  it("verifies alike with the verifier made once (as the server does): same actor, same refusals, and a token signed elsewhere", async () => {
    const verify = tokenVerifier(SECRET);
    const refusal = (token: string): string => {
      try {
        verify(token);
      } catch (error) {
        if (error instanceof GavelError) return error.code;
        throw error;
      }
      throw new Error("expected a refusal");
    };
    expect(verify(await signToken(SECRET, CLAIMS, 3600)).actor).toEqual(CLAIMS);
    // jose, an independent implementation, signs a token this one accepts.
    expect(verify(await signRaw(validPayload)).actor).toEqual(CLAIMS);
    expect(refusal(await signToken(OTHER, CLAIMS, 3600))).toBe("TOKEN_INVALID");
    expect(refusal(await signRaw(validPayload, SECRET, "HS512"))).toBe("TOKEN_INVALID");
    expect(refusal(await signToken(SECRET, CLAIMS, -10))).toBe("TOKEN_EXPIRED");
  });

  it("round-trips the claims into an actor, with the expiry in milliseconds", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await signToken(SECRET, CLAIMS, 3600);
    const verified = await verifyToken(SECRET, token);
    expect(verified.actor).toEqual(CLAIMS);
    expect(verified.expiresAt % 1000).toBe(0);
    expect(verified.expiresAt / 1000).toBeGreaterThanOrEqual(before + 3600);
    expect(verified.expiresAt / 1000).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
  });

  it("gives a null delegation for a token with none", async () => {
    const token = await signToken(SECRET, { ...CLAIMS, role: "chair", delegation: null }, 60);
    expect((await verifyToken(SECRET, token)).actor).toEqual({ ...CLAIMS, role: "chair", delegation: null });
  });

  it("turns an empty delegation claim into null", async () => {
    const token = await signRaw({ ...validPayload, delegation: "" });
    expect((await verifyToken(SECRET, token)).actor.delegation).toBeNull();
  });

  it("refuses an expired token with TOKEN_EXPIRED", async () => {
    const token = await signToken(SECRET, CLAIMS, -60);
    const error = await rejection(verifyToken(SECRET, token));
    expect(error.code).toBe("TOKEN_EXPIRED");
    expect(error.status).toBe(401);
  });

  it("refuses a token signed with another secret with TOKEN_INVALID", async () => {
    const token = await signToken(OTHER, CLAIMS, 60);
    expect((await rejection(verifyToken(SECRET, token))).code).toBe("TOKEN_INVALID");
  });

  it("refuses an unsigned token (alg none) with TOKEN_INVALID", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ ...validPayload, role: "chair", exp })}.`;
    expect((await rejection(verifyToken(SECRET, token))).code).toBe("TOKEN_INVALID");
  });

  it("refuses a token signed with another HMAC algorithm and the same secret", async () => {
    const token = await signRaw(validPayload, SECRET, "HS512");
    expect((await rejection(verifyToken(SECRET, token))).code).toBe("TOKEN_INVALID");
  });

  it("refuses a token whose payload was tampered with, keeping the signature", async () => {
    const token = await signToken(SECRET, CLAIMS, 600);
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const forged = `${header}.${b64url({ ...claims, role: "chair" })}.${signature}`;
    expect((await rejection(verifyToken(SECRET, forged))).code).toBe("TOKEN_INVALID");
  });

  it.each(["garbage", "", "a.b.c", "a.b"])("refuses a malformed token %j with TOKEN_INVALID", async (token) => {
    expect((await rejection(verifyToken(SECRET, token))).code).toBe("TOKEN_INVALID");
  });

  it.each([
    ["an unknown role", { role: "admin" }, /role/],
    ["a missing role", { role: undefined }, /role/],
    ["an empty name", { name: "" }, /name/],
    ["a name over 128 characters", { name: "n".repeat(129) }, /name/],
    ["a numeric delegation", { delegation: 7 }, /delegation/],
    ["a delegation over 32 characters", { delegation: "d".repeat(33) }, /delegation/],
    ["an invalid session", { session: "Bad Session" }, /session/],
    ["a missing session", { session: undefined }, /session/],
  ])("refuses a correctly signed token with %s with TOKEN_INVALID", async (_what, change, message) => {
    const token = await signRaw({ ...validPayload, ...change });
    const error = await rejection(verifyToken(SECRET, token));
    expect(error.code).toBe("TOKEN_INVALID");
    expect(error.message).toMatch(message);
  });

  it("refuses a correctly signed token without sub or without exp", async () => {
    const noSub = await signRaw({ ...validPayload, sub: undefined });
    expect((await rejection(verifyToken(SECRET, noSub))).code).toBe("TOKEN_INVALID");
    const noExp = await new SignJWT(validPayload).setProtectedHeader({ alg: "HS256" }).sign(SECRET);
    expect((await rejection(verifyToken(SECRET, noExp))).code).toBe("TOKEN_INVALID");
  });
});

describe("bearerOf", () => {
  it.each([
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer abc", "abc"],
    ["BEARER  abc", "abc"],
    ["Bearer\tabc", "abc"],
  ])("reads the token from %j", (header, token) => {
    expect(bearerOf(header)).toBe(token);
  });

  it.each([undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", " Bearer abc", "Bearerabc", "abc"])(
    "refuses %j with TOKEN_MISSING",
    (header) => {
      let caught: unknown;
      try {
        bearerOf(header);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GavelError);
      expect((caught as GavelError).code).toBe("TOKEN_MISSING");
    },
  );
});
