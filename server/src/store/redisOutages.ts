import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from "redis";
import { GavelError } from "../errors.ts";

/** Replies that mean "not now" rather than "never": Redis is starting or failing over. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** Whether a failure is Redis being unreachable (the request may succeed later), not a bug. */
function isOutage(error: unknown): boolean {
  if (error instanceof ErrorReply) return TRANSIENT_REPLY.test(error.message);
  return [
    ClientOfflineError,
    ClientClosedError,
    SocketClosedUnexpectedlyError,
    ConnectionTimeoutError,
    SocketTimeoutError,
    DisconnectsClientError,
    ReconnectStrategyError,
  ].some((type) => error instanceof type);
}

/**
 * Every method's outage becomes STORE_UNAVAILABLE: HTTP answers 503 and sockets close with a
 * retryable code, so clients come back once Redis does.
 */
export function reportingOutages<S extends object>(store: S): S {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(store)) {
    if (typeof value !== "function") {
      wrapped[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    // Asynchronous methods get their outages translated; a synchronous one (follow) is returned as is.
    wrapped[key] = (...args: unknown[]) => {
      const result = method(...args);
      return result instanceof Promise ? result.catch(translate) : result;
    };
  }
  return wrapped as S;
}

function translate(error: unknown): never {
  if (!isOutage(error)) throw error;
  throw new GavelError("STORE_UNAVAILABLE", `the store cannot be reached: ${(error as Error).message}`);
}
