import { describe, expect, it } from "vitest";
import { networkPolicies } from "./network.js";

const ALL = { operator: "op", broker: "mqtt", gateway: "gw", agent: "agent" };
const app = (name: string) => ({ matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "edgefleet" } });

describe("networkPolicies", () => {
  it("denies everything in the namespace first", () => {
    expect(networkPolicies(ALL)["default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("lets only agents and the gateway reach the broker, on MQTT/TLS", () => {
    expect(networkPolicies(ALL).mqtt?.ingress).toEqual([
      { from: [{ podSelector: app("agent") }, { podSelector: app("gw") }], ports: [{ protocol: "TCP", port: 8883 }] },
    ]);
  });

  it("lets MQTT clients out to the broker and DNS only", () => {
    const egress = networkPolicies(ALL).agent?.egress as { to?: unknown[]; ports: { port: number }[] }[];
    expect(egress.map((e) => e.ports.map((p) => p.port))).toEqual([[53, 53], [8883]]);
  });

  it("has no policy for a component that is off", () => {
    expect(Object.keys(networkPolicies({ operator: "op" })).sort()).toEqual(["default-deny", "op"]);
  });
});
