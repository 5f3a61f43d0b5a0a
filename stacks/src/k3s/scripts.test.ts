import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { HostConfig } from "../config/types.js";
import { externalKubeconfig, installCommand, k3sConfig } from "./scripts.js";

const host = (over: Partial<HostConfig> = {}): HostConfig => ({
  name: "line1-jetson-1",
  address: "10.0.0.21",
  port: 22,
  user: "ubuntu",
  role: "agent",
  hardwareClass: "jetson-orin",
  accelerator: "nvidia-gpu",
  arch: "arm64",
  labels: {},
  taints: [],
  mqttGeneration: 0,
  ...over,
});

describe("k3sConfig", () => {
  it("labels and taints a node by its hardware class, and joins it to the server", () => {
    const cfg = parse(k3sConfig(host({ labels: { "example.com/line": "1" } }), "factory-a", "https://10.0.0.10:6443"));
    expect(cfg).toEqual({
      "node-name": "line1-jetson-1",
      server: "https://10.0.0.10:6443",
      "token-file": "/etc/rancher/k3s/edgefleet-token",
      "node-label": [
        "edgefleet.io/hardware-class=jetson-orin",
        "edgefleet.io/accelerator=nvidia-gpu",
        "edgefleet.io/site=factory-a",
        "example.com/line=1",
      ],
      "node-taint": ["edgefleet.io/accelerator=nvidia-gpu:PreferNoSchedule"],
    });
  });

  it("leaves CPU-only nodes untainted unless the config taints them", () => {
    const cpu = host({ hardwareClass: "x86-cpu", accelerator: "none", arch: "amd64" });
    expect(parse(k3sConfig(cpu, "s", "https://x:6443"))["node-taint"]).toEqual([]);
    const dedicated = { ...cpu, taints: [{ key: "dedicated", value: "vision", effect: "NoSchedule" as const }] };
    expect(parse(k3sConfig(dedicated, "s", "https://x:6443"))["node-taint"]).toEqual(["dedicated=vision:NoSchedule"]);
  });

  it("gives the server its address as a TLS SAN and no server URL", () => {
    const cfg = parse(k3sConfig(host({ role: "server", address: "10.0.0.10" }), "s", undefined));
    expect(cfg["tls-san"]).toEqual(["10.0.0.10"]);
    expect(cfg.server).toBeUndefined();
    expect(cfg["agent-token-file"]).toBe("/etc/rancher/k3s/edgefleet-agent-token");
  });
});

describe("installCommand", () => {
  it("installs the pinned version online, and the server waits for its node", () => {
    const cmd = installCommand(host({ role: "server", name: "srv" }), "v1.32.3+k3s1", undefined);
    expect(cmd).toContain("curl -sfL https://get.k3s.io | sudo env INSTALL_K3S_VERSION='v1.32.3+k3s1' INSTALL_K3S_EXEC='server' sh -");
    expect(cmd).toContain("k3s kubectl wait --for=condition=Ready node/srv");
    // The agent's spool, which the non-root agent pod could not create on the host itself.
    expect(cmd).toContain("sudo install -d -o 65532 -g 65532 -m 700 /var/lib/edgefleet/spool");
    // The artifact cache, written by the runtime pods' non-root verify-artifact init containers.
    expect(cmd).toContain("sudo install -d -o 65532 -g 65532 -m 755 /var/lib/edgefleet/artifacts");
  });

  it("air-gapped, installs the staged binary and images and downloads nothing", () => {
    const files = { installScript: "install.sh", binaries: { arm64: "k3s-arm64" }, images: { arm64: "img.tar.zst" } };
    const cmd = installCommand(host({ user: "root" }), "v1.32.3+k3s1", files);
    expect(cmd).not.toContain("curl");
    expect(cmd).not.toContain("sudo");
    expect(cmd).toContain("install -m 755 /root/edgefleet-k3s /usr/local/bin/k3s");
    expect(cmd).toContain("/var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm64.tar.zst");
    expect(cmd).toContain(
      "env INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.32.3+k3s1' INSTALL_K3S_EXEC='agent' sh /root/edgefleet-k3s-install.sh",
    );
  });
});

it("points the kubeconfig at the server's address", () => {
  expect(externalKubeconfig("server: https://127.0.0.1:6443\n", "10.0.0.10")).toBe("server: https://10.0.0.10:6443\n");
});
