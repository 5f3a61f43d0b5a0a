import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { RateLimitedQueue } from "./rate-limited-queue.js";
import { ExponentialBackoff } from "./rate-limiters.js";

function queue() {
  const clock = new FakeClock();
  let retried = 0;
  const metrics = { depth() {}, added() {}, queued() {}, worked() {}, retried: () => void retried++ };
  const q = new RateLimitedQueue({ clock, metrics, rateLimiter: new ExponentialBackoff({ baseMs: 5, maxMs: 1000 }) });
  return { q, clock, retried: () => retried };
}

describe("RateLimitedQueue", () => {
  it("adds a key once its delay has passed, keeping the earlier due time when added again", () => {
    const { q, clock } = queue();
    q.addAfter("ns/a", 100);
    q.addAfter("ns/a", 300);
    q.addAfter("ns/b", 200);
    q.addAfter("ns/b", 50);
    expect([q.length, q.delayed]).toEqual([0, 2]);
    clock.advance(50);
    expect(q.length).toBe(1);
    clock.advance(50);
    expect([q.length, q.delayed]).toEqual([2, 0]);
    clock.advance(1000);
    expect(q.length).toBe(2);
  });

  it("adds at once for a delay of zero or less", async () => {
    const { q } = queue();
    q.addAfter("ns/a", 0);
    expect(await q.get()).toBe("ns/a");
  });

  it("backs a failing key off exponentially until forgotten, counting retries", async () => {
    const { q, clock, retried } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited("ns/a");
      while (q.length === 0) clock.advance(1);
      delays.push(clock.now() - start);
      q.done((await q.get()) ?? "");
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect([q.retries("ns/a"), retried()]).toEqual([4, 4]);
    q.forget("ns/a");
    expect(q.retries("ns/a")).toBe(0);
    q.addRateLimited("ns/a");
    clock.advance(5);
    expect(q.length).toBe(1);
  });

  it("drops keys still waiting for their delay on shutdown", async () => {
    const { q, clock } = queue();
    q.addAfter("ns/a", 100);
    await q.shutDown();
    clock.advance(1000);
    q.addAfter("ns/b", 1);
    expect([q.length, q.delayed, clock.pending]).toEqual([0, 0, 0]);
    expect(await q.get()).toBeUndefined();
  });
});
