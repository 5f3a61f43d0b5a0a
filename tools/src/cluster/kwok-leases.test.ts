import type { V1Lease } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { staleKwokLeases } from "./kwok-leases.js";

const lease = (name: string, renewTime?: string): V1Lease => ({
  metadata: { name },
  spec: { holderIdentity: "host_1234", ...(renewTime ? { renewTime: new Date(renewTime) } : {}) },
});

describe("staleKwokLeases", () => {
  const leases = [
    lease("fake-1", "2026-01-01T00:00:00Z"),
    lease("fake-2", "2026-01-01T00:05:00Z"),
    lease("real-1", "2026-01-01T00:00:00Z"),
  ];
  const fake = new Set(["fake-1", "fake-2"]);

  it("are all the fake nodes' leases when the cluster stops, never a real kubelet's", () => {
    expect(staleKwokLeases(leases, fake).map((l) => l.metadata?.name)).toEqual(["fake-1", "fake-2"]);
  });

  it("on resume, only those not renewed since the new controller started", () => {
    const stale = staleKwokLeases(leases, fake, new Date("2026-01-01T00:01:00Z"));
    expect(stale.map((l) => l.metadata?.name)).toEqual(["fake-1"]);
  });

  it("include a lease never renewed", () => {
    expect(staleKwokLeases([lease("fake-1")], fake, new Date()).length).toBe(1);
  });
});
