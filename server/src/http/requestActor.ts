import type { Actor } from "@gavel/model";
import type { FastifyRequest } from "fastify";
import { bearerOf, type VerifiedToken } from "../auth/tokens.ts";

export type Verify = (token: string) => Promise<VerifiedToken>;

/** The actor a request's Bearer token proves; refusals are GavelErrors (401). */
export function requestActor(verify: Verify): (request: FastifyRequest) => Promise<Actor> {
  return async (request) => (await verify(bearerOf(request.headers.authorization))).actor;
}
