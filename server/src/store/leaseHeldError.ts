/** Another node holds the lease on this Redis store (storeLease.ts); apart, so main loads no Redis client. */
export class LeaseHeldError extends Error {
  override readonly name = "LeaseHeldError";
}
