import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { ArtifactCache, blobLockPath } from "./cache.js";
import { checkCache } from "./check.js";

const tempDir = useTempDirs("artifact-cache");

/** A cache with a settable wall clock, and a helper that puts a blob in it the way an install does. */
function setup(maxBytes = 1_000_000) {
  const clock = new FakeClock({ wallMs: 1_000_000 });
  const cache = ArtifactCache.open({ root: tempDir(), maxBytes, clock });
  const add = (text: string) => {
    const body = Buffer.from(text);
    const sha256 = createHash("sha256").update(body).digest("hex");
    const partial = cache.openPartial(sha256);
    partial.write(body);
    cache.commit(partial, sha256);
    clock.advance(1000);
    return { sha256, sizeBytes: body.length };
  };
  return { cache, clock, add };
}

describe("ArtifactCache", () => {
  it("stores blobs by digest, read-only, and makes the old active version the previous one", () => {
    const { cache, add } = setup();
    const v1 = add("model one");
    const v2 = add("model two");
    expect(cache.activate("vision", "detector", { version: "1", ...v1 }).previous).toBeNull();
    const state = cache.activate("vision", "detector", { version: "2", ...v2 });
    expect([state.active.version, state.previous?.version]).toEqual(["2", "1"]);

    const active = cache.active("vision", "detector");
    expect(active?.path).toBe(join(cache.root, "blobs", "sha256", v2.sha256));
    expect(readFileSync(active?.path ?? "", "utf8")).toBe("model two");
    expect(statSync(active?.path ?? "").mode & 0o777).toBe(0o444);
    expect(checkCache(cache)).toEqual([]);
  });

  it("rolls back to the previous version without fetching anything, and refuses when there is none", () => {
    const { cache, add } = setup();
    const v1 = add("model one");
    const v2 = add("model two");
    cache.activate("vision", "detector", { version: "1", ...v1 });
    expect(() => cache.rollback("vision", "detector")).toThrow(/no previous version/);
    cache.activate("vision", "detector", { version: "2", ...v2 });
    expect(cache.rollback("vision", "detector").active.version).toBe("1");
    expect(cache.active("vision", "detector")?.sha256).toBe(v1.sha256);
    // Rolling back again returns to the version that was rolled back from.
    expect(cache.rollback("vision", "detector").active.version).toBe("2");
  });

  it("evicts least recently used blobs but never any model's active or previous one", () => {
    const { cache, add, clock } = setup(40);
    const blobs = ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc", "dddddddddd", "eeeeeeeeee"].map(add);
    const [a, b, c, d, e] = blobs as [(typeof blobs)[0], (typeof blobs)[0], (typeof blobs)[0], (typeof blobs)[0], (typeof blobs)[0]];
    cache.activate("vision", "detector", { version: "1", ...a });
    cache.activate("vision", "detector", { version: "2", ...b });
    cache.activate("audio", "keyword", { version: "1", ...c });
    clock.advance(1000);
    cache.active("vision", "detector"); // b used most recently; a (previous) is oldest of all

    expect(cache.evict().map((f) => f.sha256)).toEqual([d.sha256]);
    expect(cache.stats()).toMatchObject({ blobs: 4, bytes: 40, pinnedBytes: 30 });
    expect(cache.evict(25).map((f) => f.sha256)).toEqual([e.sha256]);
    expect(cache.evict(1000)).toEqual([]); // only pinned blobs left: the bound gives way
    expect(checkCache(cache)).toEqual([]);
    expect(readdirSync(join(cache.root, "blobs", "sha256")).sort()).toEqual([a.sha256, b.sha256, c.sha256].sort());
  });

  it("keeps reserved digests, and drops stale partial downloads before any blob", () => {
    const { cache, add } = setup(20);
    const a = add("aaaaaaaaaa");
    const stale = cache.openPartial("f".repeat(64));
    stale.write(Buffer.from("0123456789"));
    stale.close();
    const release = cache.reserve(a.sha256);
    expect(cache.evict(10).map((f) => f.sha256)).toEqual(["f".repeat(64)]);
    expect(cache.evict(20)).toEqual([]);
    release();
    expect(cache.evict(20).map((f) => f.sha256)).toEqual([a.sha256]);
  });

  it("cleans up a state write a crash cut short, keeping the state it replaced", () => {
    const { cache, add } = setup();
    cache.activate("vision", "detector", { version: "1", ...add("one") });
    writeFileSync(join(cache.root, "models", "vision", "detector.json.tmp"), '{"active":');
    const reopened = ArtifactCache.open({ root: cache.root });
    expect(existsSync(join(cache.root, "models", "vision", "detector.json.tmp"))).toBe(false);
    expect(reopened.state("vision", "detector")?.active.version).toBe("1");
  });

  it("names the field for bad names and digests", () => {
    const { cache } = setup();
    expect(() => cache.state("Vision", "detector")).toThrow(/namespace must be a Kubernetes name/);
    expect(() => cache.state("vision", "../etc")).toThrow(/model must be a Kubernetes name/);
    expect(() => cache.blobPath("abc")).toThrow(/sha256 must be 64 lowercase hex/);
    expect(() => cache.activate("vision", "detector", { version: "1", sha256: "0".repeat(64), sizeBytes: 1 })).toThrow(/not in the cache/);
  });

  it("spares the downloads of digests another process holds locked, unless its lock is stale", () => {
    const { cache } = setup(10);
    const held = (text: string) => {
      const sha256 = createHash("sha256").update(text).digest("hex");
      const partial = cache.openPartial(sha256);
      partial.write(Buffer.from(text));
      partial.close();
      const lock = blobLockPath(cache.root, sha256);
      writeFileSync(lock, "{}");
      return { sha256, lock, partial: partial.path };
    };
    const live = held("a download in progress");
    const dead = held("a download whose install was killed");
    const old = (Date.now() - 10 * 60_000) / 1000;
    utimesSync(dead.lock, old, old);
    expect(cache.evict().map((f) => f.sha256)).toEqual([dead.sha256]);
    expect([existsSync(live.partial), existsSync(dead.partial)]).toEqual([true, false]);
  });
});
