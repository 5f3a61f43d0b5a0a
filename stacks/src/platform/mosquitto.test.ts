import { describe, expect, it } from "vitest";
import { mosquittoAcl, mosquittoConfig } from "./mosquitto.js";

describe("Mosquitto", () => {
  it("accepts only TLS clients with a certificate, named by its CN", () => {
    const conf = mosquittoConfig().split("\n");
    expect(conf).toEqual(
      expect.arrayContaining(["allow_anonymous false", "listener 8883", "require_certificate true", "use_identity_as_username true"]),
    );
    expect(conf).not.toContain("listener 1883");
  });

  it("confines every node to its own topics and lets only the gateway read them all", () => {
    const lines = mosquittoAcl()
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    const [nodeRules, gatewayRules] = [
      lines.slice(0, lines.indexOf("user edgefleet-gateway")),
      lines.slice(lines.indexOf("user edgefleet-gateway") + 1),
    ];
    expect(nodeRules).toEqual([
      "pattern write edgefleet/nodes/%u/telemetry/#",
      "pattern write edgefleet/nodes/%u/status",
      "pattern read edgefleet/nodes/%u/commands/#",
    ]);
    expect(gatewayRules).toEqual([
      "topic read edgefleet/nodes/+/telemetry/#",
      "topic read edgefleet/nodes/+/status",
      "topic write edgefleet/nodes/+/commands/#",
    ]);
  });
});
