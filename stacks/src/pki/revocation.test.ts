import { describe, expect, it } from "vitest";
import { revokedGenerations } from "./revocation.js";

describe("revokedGenerations", () => {
  it("revokes each host's generations before its current one and every generation of a revoked identity up to the listed one", () => {
    const hosts = [
      { name: "srv", mqttGeneration: 0 },
      { name: "pi", mqttGeneration: 2 },
    ];
    expect(
      revokedGenerations({
        hosts: hosts,
        revokedMqttIdentities: [
          { name: "old-nuc", generation: 1 },
          { name: "lost", generation: 0 },
        ],
      }),
    ).toEqual([
      { cn: "pi", generation: 0 },
      { cn: "pi", generation: 1 },
      { cn: "old-nuc", generation: 0 },
      { cn: "old-nuc", generation: 1 },
      { cn: "lost", generation: 0 },
    ]);
    expect(revokedGenerations({ hosts: hosts.slice(0, 1), revokedMqttIdentities: [] })).toEqual([]);
  });
});
