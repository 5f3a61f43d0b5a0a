import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import type { WorkQueueMetrics } from "./metrics.js";
import { WorkQueue } from "./work-queue.js";

/** Records every metric call, in order. */
class RecordingMetrics implements WorkQueueMetrics {
  calls: string[] = [];
  depth(keys: number) {
    this.calls.push(`depth ${keys}`);
  }
  added() {
    this.calls.push("added");
  }
  queued(seconds: number) {
    this.calls.push(`queued ${seconds}`);
  }
  worked(seconds: number) {
    this.calls.push(`worked ${seconds}`);
  }
  retried() {
    this.calls.push("retried");
  }
}

/** Whether a promise has settled, without waiting for it. */
async function settled<T>(p: Promise<T>): Promise<{ value: T } | "pending"> {
  return Promise.race([p.then((value) => ({ value })), new Promise<"pending">((r) => setImmediate(() => r("pending")))]);
}

describe("WorkQueue", () => {
  it("hands out keys first in, first out, each once however often it was added", async () => {
    const q = new WorkQueue();
    for (const k of ["ns/a", "ns/b", "ns/a", "ns/c", "ns/b"]) q.add(k);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["ns/a", "ns/b", "ns/c"]);
    expect(q.length).toBe(0);
  });

  it("re-queues a key added while it is processed once, after done, and never hands it out twice at once", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    const key = await q.get();
    q.add("ns/a");
    q.add("ns/a");
    expect(q.length).toBe(0);
    const second = q.get();
    expect(await settled(second)).toBe("pending");
    q.done("ns/a");
    expect(await settled(second)).toEqual({ value: key });
    q.done("ns/a");
    expect(q.length).toBe(0);
  });

  it("makes get wait for the next add, serving waiting workers in order", async () => {
    const q = new WorkQueue();
    const first = q.get();
    const second = q.get();
    q.add("ns/x");
    q.add("ns/y");
    expect([await first, await second]).toEqual(["ns/x", "ns/y"]);
  });

  it("on shutdown refuses new keys, still hands out queued ones, releases idle workers, and resolves once drained", async () => {
    const q = new WorkQueue();
    const idle = q.get();
    q.add("ns/a");
    expect(await idle).toBe("ns/a");
    q.add("ns/b");
    const drained = q.shutDown();
    q.add("ns/c");
    expect(await q.get()).toBe("ns/b");
    expect(await q.get()).toBeUndefined();
    expect(await settled(drained)).toBe("pending");
    q.done("ns/a");
    expect(await settled(drained)).toBe("pending");
    q.done("ns/b");
    expect(await settled(drained)).toEqual({ value: undefined });
  });

  it("resolves a waiting worker with undefined on shutdown", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    await q.shutDown();
    expect(await waiting).toBeUndefined();
  });

  it("reports depth, adds, time queued and time worked to the metrics sink", async () => {
    const clock = new FakeClock();
    const metrics = new RecordingMetrics();
    const q = new WorkQueue({ clock, metrics });
    q.add("ns/a");
    q.add("ns/a");
    clock.advance(1500);
    await q.get();
    clock.advance(250);
    q.done("ns/a");
    expect(metrics.calls).toEqual(["added", "depth 1", "depth 0", "queued 1.5", "worked 0.25"]);
  });

  it("reports work in progress, summed and longest, for stuck-worker gauges", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add("ns/a");
    q.add("ns/b");
    await q.get();
    clock.advance(3000);
    await q.get();
    clock.advance(1000);
    expect(q.inProgress()).toEqual({ totalSeconds: 5, longestSeconds: 4 });
    q.done("ns/a");
    q.done("ns/b");
    expect(q.inProgress()).toEqual({ totalSeconds: 0, longestSeconds: 0 });
  });

  it("keeps order across many keys as its storage compacts", async () => {
    const q = new WorkQueue();
    const keys = Array.from({ length: 5000 }, (_, i) => `ns/k${i}`);
    for (const k of keys) q.add(k);
    const out: (string | undefined)[] = [];
    for (let i = 0; i < 3000; i++) out.push(await q.get());
    for (const k of keys.slice(0, 3000)) q.add(k);
    while (q.length) out.push(await q.get());
    expect(out).toEqual([...keys]);
  });
});
