import { edgeModel } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { untrustedStatus } from "./untrusted-status.js";

describe("untrustedStatus", () => {
  it("is Stalled and not Ready with the refusal, places nothing, and neither progresses nor degrades", () => {
    const status = untrustedStatus(
      edgeModel(),
      { generation: 3, now: new Date("2026-12-05T12:00:00Z") },
      'ModelTrustPolicy "p" refuses it',
    );
    const conditions = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));
    expect(conditions).toEqual({
      Ready: ["False", "TrustPolicyRefused", 'ModelTrustPolicy "p" refuses it'],
      Stalled: ["True", "TrustPolicyRefused", 'ModelTrustPolicy "p" refuses it'],
      Progressing: ["False", "TrustPolicyRefused", ""],
      Degraded: ["False", "TrustPolicyRefused", ""],
    });
    expect(status).toMatchObject({ observedGeneration: 3, placements: [] });
  });
});
