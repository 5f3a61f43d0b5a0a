import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CHECKSUMS, HOST_KEY_LINE } from "../testing/pins.js";
import { parseConfig } from "./parse.js";

const dir = new URL("../../", import.meta.url);
const stackFiles = ["Pulumi.local.yaml", "Pulumi.factory-line-1.yaml"];

const SECRETS = {
  "edgefleet:sshPrivateKey": "key",
  "edgefleet:k3sToken": "0123456789abcdef0123",
  "edgefleet:k3sAgentToken": "agent-0123456789abcdef",
};

/**
 * A stack file's config as allConfig() hands it to the program: objects as JSON, the rest as
 * strings. A K3s site's pins are the site's own facts (its hosts' keys) and a release's
 * (checksums), which the example cannot know: they are added as its operator would.
 */
function rawConfig(file: string): Record<string, string> {
  const { config } = parse(readFileSync(new URL(file, dir), "utf8")) as { config: Record<string, unknown> };
  const k3s = (config["edgefleet:cluster"] as { k3s?: { hosts: Record<string, unknown>[]; sha256?: unknown } }).k3s;
  if (k3s) {
    for (const h of k3s.hosts) h.hostKey = HOST_KEY_LINE;
    k3s.sha256 = { installScript: CHECKSUMS.installScript, binaries: CHECKSUMS.binaries };
  }
  return {
    ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)])),
    ...SECRETS,
  };
}

describe("the committed stack configurations", () => {
  it.each(stackFiles)("%s is valid once its secrets (and a K3s site's host keys and checksums) are set", (file) => {
    const cfg = parseConfig(rawConfig(file), new Set(Object.keys(SECRETS)));
    expect(cfg.cluster.kind).toBe(file === "Pulumi.local.yaml" ? "existing" : "k3s");
  });

  it("the example site has a Jetson, a NUC and Raspberry Pis with Coral", () => {
    const cfg = parseConfig(rawConfig("Pulumi.factory-line-1.yaml"), new Set(Object.keys(SECRETS)));
    if (cfg.cluster.kind !== "k3s") throw new Error("expected k3s");
    expect(cfg.cluster.hosts.map((h) => h.accelerator)).toEqual(["none", "nvidia-gpu", "intel-npu", "edgetpu", "edgetpu"]);
  });
});
