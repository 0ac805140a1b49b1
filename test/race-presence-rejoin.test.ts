import { expect, it } from "vitest";
import { openRedisStore } from "../server/src/store/redisStore.ts";
import { redisUrlForTests, testPrefix } from "./support/redis.ts";

it("a document closed and joined again before the unsubscribe went out still hears the other nodes", async () => {
  const prefix = testPrefix("review-pres");
  const url = await redisUrlForTests();
  const s1 = await openRedisStore({ url, prefix });
  const s2 = await openRedisStore({ url, prefix });
  if (!s1.presence || !s2.presence) throw new Error("the Redis store relays presence");
  const errors: unknown[] = [];
  const bus1 = s1.presence("n1", (e) => errors.push(e));
  const bus2 = s2.presence("n2", (e) => errors.push(e));
  try {
    const doc = "demo/implementation/c1";
    const first = bus1.join(doc, () => {});
    // evicted and reloaded quickly: the first join's subscription is still on its way
    await new Promise((r) => setTimeout(r, 300));
    first.close();
    await new Promise((r) => setTimeout(r, Number(process.env.GAP ?? 0)));
    const got: unknown[] = [];
    bus1.join(doc, (m) => got.push(m));
    await new Promise((r) => setTimeout(r, 200));
    const other = bus2.join(doc, () => {});
    await new Promise((r) => setTimeout(r, 100));
    other.publish({ entries: [{ clientId: 1, clock: 1, state: { a: 1 }, observer: false }] });
    await new Promise((r) => setTimeout(r, 300));
    expect(got.length).toBeGreaterThan(0);
  } finally {
    await bus1.close();
    await bus2.close();
    await s1.close();
    await s2.close();
  }
});
