import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "./parse.js";

const dir = new URL("../../", import.meta.url);
const stackFiles = ["Pulumi.local.yaml", "Pulumi.factory-line-1.yaml"];

/** A stack file's config as allConfig() hands it to the program: objects as JSON, the rest as strings. */
function rawConfig(file: string): Record<string, string> {
  const { config } = parse(readFileSync(new URL(file, dir), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]));
}

describe("the committed stack configurations", () => {
  it.each(stackFiles)("%s is valid once its secrets are set", (file) => {
    const secrets = { "edgefleet:sshPrivateKey": "key", "edgefleet:k3sToken": "0123456789abcdef0123" };
    const cfg = parseConfig({ ...rawConfig(file), ...secrets }, new Set(Object.keys(secrets)));
    expect(cfg.cluster.kind).toBe(file === "Pulumi.local.yaml" ? "existing" : "k3s");
  });

  it("the example site has a Jetson, a NUC and Raspberry Pis with Coral", () => {
    const cfg = parseConfig(
      { ...rawConfig("Pulumi.factory-line-1.yaml"), "edgefleet:sshPrivateKey": "k", "edgefleet:k3sToken": "0123456789abcdef0123" },
      new Set(["edgefleet:sshPrivateKey", "edgefleet:k3sToken"]),
    );
    if (cfg.cluster.kind !== "k3s") throw new Error("expected k3s");
    expect(cfg.cluster.hosts.map((h) => h.accelerator)).toEqual(["none", "nvidia-gpu", "intel-npu", "edgetpu", "edgetpu"]);
  });
});
