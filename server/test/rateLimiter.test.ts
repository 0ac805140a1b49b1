import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/transport/RateLimiter.ts";

function takeMany(limiter: RateLimiter, now: number, n: number): number {
  let granted = 0;
  for (let i = 0; i < n; i++) if (limiter.take(now)) granted++;
  return granted;
}

describe("RateLimiter", () => {
  it("allows a burst of twice the per-second rate, then refuses", () => {
    const limiter = new RateLimiter(10, 0);
    expect(takeMany(limiter, 0, 20)).toBe(20);
    expect(limiter.take(0)).toBe(false);
  });

  it("refills at the per-second rate as injected time passes", () => {
    const limiter = new RateLimiter(10, 1_000);
    expect(takeMany(limiter, 1_000, 25)).toBe(20);
    expect(limiter.take(1_099)).toBe(false);
    expect(limiter.take(1_100)).toBe(true);
    expect(limiter.take(1_100)).toBe(false);
    expect(takeMany(limiter, 1_600, 10)).toBe(5);
  });

  it("never refills beyond the burst, however long it was idle", () => {
    const limiter = new RateLimiter(5, 0);
    expect(takeMany(limiter, 0, 10)).toBe(10);
    expect(takeMany(limiter, 3_600_000, 100)).toBe(10);
  });

  it("never goes negative: refused frames do not dig a hole", () => {
    const limiter = new RateLimiter(10, 0);
    expect(takeMany(limiter, 0, 20)).toBe(20);
    expect(takeMany(limiter, 0, 10_000)).toBe(0);
    // 100 ms is one token at 10/s: exactly one frame is allowed, as if nothing had been refused.
    expect(takeMany(limiter, 100, 5)).toBe(1);
  });

  it("does not refill when the clock goes backwards", () => {
    const limiter = new RateLimiter(10, 10_000);
    expect(takeMany(limiter, 10_000, 20)).toBe(20);
    expect(takeMany(limiter, 5_000, 5)).toBe(0);
  });

  it("averages the per-second rate over a long run of steady traffic", () => {
    const limiter = new RateLimiter(50, 0);
    let granted = 0;
    // 10 seconds, one attempt per millisecond (1000/s offered, 50/s allowed).
    for (let t = 0; t < 10_000; t++) if (limiter.take(t)) granted++;
    expect(granted).toBeGreaterThanOrEqual(50 * 10 + 100 - 1);
    expect(granted).toBeLessThanOrEqual(50 * 10 + 100 + 1);
  });

  it("allows fractional rates to accumulate", () => {
    const limiter = new RateLimiter(1, 0);
    expect(takeMany(limiter, 0, 5)).toBe(2);
    expect(limiter.take(500)).toBe(false);
    expect(limiter.take(1_000)).toBe(true);
  });
});
