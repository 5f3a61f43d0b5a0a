import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { defaultRateLimiter, ExponentialBackoff, TokenBucket } from "./rate-limiters.js";

describe("ExponentialBackoff", () => {
  it("doubles the delay per retry of a key from base, up to the cap", () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });
    expect(Array.from({ length: 5 }, () => backoff.when("ns/a"))).toEqual([5, 10, 20, 40, 80]);
    for (let i = 5; i < 17; i++) backoff.when("ns/a");
    expect(backoff.when("ns/a")).toBe(5 * 2 ** 17);
    expect(backoff.when("ns/a")).toBe(1_000_000);
    for (let i = 0; i < 2000; i++) backoff.when("ns/a");
    expect(backoff.when("ns/a")).toBe(1_000_000);
  });

  it("keeps each key's count apart, and forget starts a key over", () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1000 });
    backoff.when("ns/a");
    backoff.when("ns/a");
    expect(backoff.when("ns/b")).toBe(5);
    expect(backoff.retries("ns/a")).toBe(2);
    backoff.forget("ns/a");
    expect(backoff.retries("ns/a")).toBe(0);
    expect(backoff.when("ns/a")).toBe(5);
  });
});

describe("TokenBucket", () => {
  it("lets a burst through at once, then spaces retries at the rate, and refills over time", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ qps: 10, burst: 100, clock });
    expect(Array.from({ length: 100 }, () => bucket.when())).toEqual(Array(100).fill(0));
    expect([bucket.when(), bucket.when(), bucket.when()]).toEqual([100, 200, 300]);
    clock.advance(1300);
    expect(bucket.when()).toBe(0);
    clock.advance(60_000);
    expect(Array.from({ length: 101 }, () => bucket.when()).filter((d) => d > 0)).toEqual([100]);
  });
});

describe("defaultRateLimiter", () => {
  it("is the longer of per-key backoff and the global bucket, as in controller-runtime", () => {
    const clock = new FakeClock();
    const limiter = defaultRateLimiter({ clock });
    const firstTries = Array.from({ length: 100 }, (_, i) => limiter.when(`ns/k${i}`));
    expect(new Set(firstTries)).toEqual(new Set([5]));
    expect(limiter.when("ns/k100")).toBe(100);
    clock.advance(60_000);
    expect(limiter.when("ns/k0")).toBe(10);
    expect(limiter.retries("ns/k0")).toBe(2);
    limiter.forget("ns/k0");
    expect(limiter.when("ns/k0")).toBe(5);
  });

  it("takes other settings", () => {
    const limiter = defaultRateLimiter({ clock: new FakeClock(), baseMs: 100, maxMs: 300, qps: 1, burst: 1 });
    expect([limiter.when("a"), limiter.when("a"), limiter.when("a")]).toEqual([100, 1000, 2000]);
  });
});
