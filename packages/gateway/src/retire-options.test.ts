import { optionsOf } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { parseRetireOptions } from "./retire-options.js";

const base = ["--broker-url", "mqtts://broker:8883", "--tls-cert", "c.crt", "--tls-key", "c.key"];

describe("retire options", () => {
  it("names the node's birth topic", () => {
    expect(optionsOf(parseRetireOptions([...base, "--site", "plant-3", "--node", "orin-07"]))).toMatchObject({
      brokerUrl: "mqtts://broker:8883",
      tls: { cert: "c.crt", key: "c.key" },
      topic: "edgefleet/v1/plant-3/orin-07/birth",
    });
  });

  it("refuses a node name that cannot be a topic segment, naming it", () => {
    expect(() => parseRetireOptions([...base, "--site", "plant-3", "--node", "+"])).toThrow('node "+" is not a lowercase DNS name');
    expect(() => parseRetireOptions([...base, "--site", "plant-3"])).toThrow("--node");
  });
});
