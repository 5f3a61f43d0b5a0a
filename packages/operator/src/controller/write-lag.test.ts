import { KubeError } from "@edgefleet/kube";
import { describe, expect, it } from "vitest";
import { cacheBehind, compareResourceVersions, OwnWrites } from "./write-lag.js";

describe("compareResourceVersions", () => {
  it("orders resource versions as integers of any length", () => {
    expect(compareResourceVersions("9", "10")).toBe(-1);
    expect(compareResourceVersions("100", "99")).toBe(1);
    expect(compareResourceVersions("12345678901234567890", "12345678901234567891")).toBe(-1);
    expect(compareResourceVersions("42", "42")).toBe(0);
  });

  it("declines what is not a KEP-5504 resource version", () => {
    expect(compareResourceVersions("0", "1")).toBeUndefined();
    expect(compareResourceVersions("012", "13")).toBeUndefined();
    expect(compareResourceVersions("a1", "13")).toBeUndefined();
    expect(compareResourceVersions("", "13")).toBeUndefined();
  });
});

describe("cacheBehind", () => {
  const now = 1_000;

  it("holds a reconcile until the cache has the version our write produced", () => {
    const write = { base: "100", written: "105" };
    expect(cacheBehind("100", write, now)).toBe(true);
    // Another writer's change between our read and our write: newer than the base, still without ours.
    expect(cacheBehind("103", write, now)).toBe(true);
    expect(cacheBehind("105", write, now)).toBe(false);
    expect(cacheBehind("230", write, now)).toBe(false);
  });

  it("after a write that may or may not have been applied, waits for anything newer than the base, for a while", () => {
    const write = { base: "100", giveUpAtMs: 6_000 };
    expect(cacheBehind("100", write, now)).toBe(true);
    expect(cacheBehind("101", write, now)).toBe(false);
    expect(cacheBehind("100", write, 6_000)).toBe(false);
  });

  it("without the written version, waits while the cache holds the base or older", () => {
    expect(cacheBehind("100", { base: "100" }, now)).toBe(true);
    expect(cacheBehind("101", { base: "100" }, now)).toBe(false);
  });

  it("falls back to equality with the base where versions are not integers", () => {
    expect(cacheBehind("abc", { base: "abc", written: "abd" }, now)).toBe(true);
    expect(cacheBehind("abe", { base: "abc", written: "abd" }, now)).toBe(false);
    expect(cacheBehind(undefined, { base: "100", written: "105" }, now)).toBe(false);
  });
});

describe("OwnWrites", () => {
  it("holds each key until the cache shows its write, then forgets it; a write without an answer holds it for a while, a refused one not at all", async () => {
    let now = 1_000;
    const writes = new OwnWrites({ wallMs: () => now });
    const answered = (resourceVersion?: string) => async () => (resourceVersion ? { metadata: { resourceVersion } } : undefined);
    const failing = (status: number) => async () => Promise.reject(new KubeError(status, "", `HTTP ${status}`));
    expect(writes.behind("ns/a", "100")).toBe(false);
    expect(await writes.track("ns/a", "100", answered("105"))).toEqual({ metadata: { resourceVersion: "105" } });
    await expect(writes.track("ns/b", "200", failing(0))).rejects.toThrow("HTTP 0");
    await expect(writes.track("ns/e", "300", failing(409))).rejects.toThrow("HTTP 409");
    expect(writes.behind("ns/a", "100")).toBe(true);
    expect(writes.behind("ns/b", "200")).toBe(true);
    expect(writes.behind("ns/e", "300")).toBe(false);
    expect(writes.behind("ns/a", "105")).toBe(false);
    // Forgotten: an older cache (another informer's relist) no longer holds it.
    expect(writes.behind("ns/a", "100")).toBe(false);
    now += 5_000;
    expect(writes.behind("ns/b", "200")).toBe(false);
    await writes.track("ns/c", undefined, answered("7"));
    expect(writes.behind("ns/c", "1")).toBe(false);
    // An answer without a version (a write that was skipped): the cache must move past the base.
    await writes.track("ns/d", "10", answered());
    expect(writes.behind("ns/d", "10")).toBe(true);
    writes.forget("ns/d");
    expect(writes.behind("ns/d", "10")).toBe(false);
  });
});
