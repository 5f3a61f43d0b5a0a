import { describe, expect, it } from "vitest";
import { ALL_NODES, allNodesOf, buildTopic, parseTopic, REBIRTH_TOPIC } from "./topic.js";

describe("topics", () => {
  it("round-trips every kind", () => {
    for (const kind of ["birth", "telemetry", "death"] as const) {
      const topic = { site: "plant-3", node: "jetson-orin-07.line2", kind };
      expect(parseTopic(buildTopic(topic))).toEqual({ ok: true, topic });
    }
    expect(buildTopic({ site: "s1", node: "n1", kind: "telemetry" })).toBe("edgefleet/v1/s1/n1/telemetry");
  });

  it("keeps the control topic and the gateway's filters in the scheme", () => {
    expect(REBIRTH_TOPIC).toBe("edgefleet/v1/control/rebirth");
    expect(parseTopic(REBIRTH_TOPIC).ok).toBe(false);
    expect(ALL_NODES).toBe("edgefleet/v1/+/+/+");
    expect(allNodesOf("birth")).toBe("edgefleet/v1/+/+/birth");
  });

  it("refuses to build a topic from a name that is not a segment", () => {
    expect(() => buildTopic({ site: "a/b", node: "n", kind: "birth" })).toThrow(/site "a\/b"/);
    expect(() => buildTopic({ site: "s", node: "+", kind: "birth" })).toThrow(/node "\+"/);
  });

  it.each([
    ["edgefleet/v1/s/n", /expected 5 segments/],
    ["edgefleet/v1/s/n/telemetry/extra", /expected 5 segments/],
    ["edgefleet/v2/s/n/telemetry", /does not start with edgefleet\/v1/],
    ["other/v1/s/n/telemetry", /does not start with edgefleet\/v1/],
    ["edgefleet/v1/Site/n/telemetry", /site "Site"/],
    ["edgefleet/v1/s/#/telemetry", /node "#"/],
    ["edgefleet/v1/s//telemetry", /node ""/],
    ["edgefleet/v1/s/n/metrics", /unknown message kind "metrics"/],
  ])("rejects %s with a reason", (topic, reason) => {
    const result = parseTopic(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
