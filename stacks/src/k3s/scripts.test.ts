import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { HostConfig } from "../config/types.js";
import { CHECKSUMS, HOST_KEY } from "../testing/pins.js";
import {
  caHashCommand,
  downloadCommand,
  externalKubeconfig,
  hostChecksums,
  installCommand,
  k3sConfig,
  secureAgentToken,
} from "./scripts.js";

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
  hostKey: HOST_KEY,
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
  it("checks every staged file against its pin before anything runs as root, then installs the pinned version", () => {
    const srv = host({ role: "server", name: "srv", arch: "amd64" });
    const cmd = installCommand(srv, "v1.32.3+k3s1", hostChecksums(srv, CHECKSUMS, false));
    const lines = cmd.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "set -e",
      expect.stringMatching(/^sha256sum -c --quiet <<'EOF' \|\| \{ echo "edgefleet: a staged K3s file does not match its pinned sha256/),
      `${"a".repeat(64)}  /home/ubuntu/edgefleet-k3s-install.sh`,
      `${"b".repeat(64)}  /home/ubuntu/edgefleet-k3s`,
      "EOF",
    ]);
    expect(cmd).toContain("sudo install -m 755 /home/ubuntu/edgefleet-k3s /usr/local/bin/k3s");
    expect(cmd).toContain(
      "sudo env INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='v1.32.3+k3s1' INSTALL_K3S_EXEC='server' sh /home/ubuntu/edgefleet-k3s-install.sh",
    );
    expect(cmd).not.toContain("curl");
    expect(cmd).not.toContain("images");
    expect(cmd).toContain("k3s kubectl wait --for=condition=Ready node/srv");
    // The agent's spool, which the non-root agent pod could not create on the host itself.
    expect(cmd).toContain("sudo install -d -o 65532 -g 65532 -m 700 /var/lib/edgefleet/spool");
    // The artifact cache, written by the runtime pods' non-root verify-artifact init containers.
    expect(cmd).toContain("sudo install -d -o 65532 -g 65532 -m 755 /var/lib/edgefleet/artifacts");
  });

  it("air-gapped, also checks and installs the staged images of the host's architecture", () => {
    const pi = host({ user: "root" });
    const cmd = installCommand(pi, "v1.32.3+k3s1", hostChecksums(pi, CHECKSUMS, true));
    expect(cmd).toContain(`${"c".repeat(64)}  /root/edgefleet-k3s\n${"e".repeat(64)}  /root/edgefleet-k3s-images.tar.zst\nEOF`);
    expect(cmd).not.toContain("sudo");
    expect(cmd).toContain(
      "install -D -m 644 /root/edgefleet-k3s-images.tar.zst /var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm64.tar.zst",
    );
    expect(cmd).toContain("INSTALL_K3S_EXEC='agent' sh /root/edgefleet-k3s-install.sh");
  });

  it("online, downloads the installer of the version's tag and its binary, not get.k3s.io's script", () => {
    expect(downloadCommand(host(), "v1.32.3+k3s1").split("\n")).toEqual([
      "set -e",
      "curl -sfL -o /home/ubuntu/edgefleet-k3s-install.sh https://raw.githubusercontent.com/k3s-io/k3s/v1.32.3%2Bk3s1/install.sh",
      "curl -sfL -o /home/ubuntu/edgefleet-k3s https://github.com/k3s-io/k3s/releases/download/v1.32.3%2Bk3s1/k3s-arm64",
    ]);
  });
});

describe("the agents' token", () => {
  it("is the agent secret in the secure format, pinning the hash of the server's CA bundle", () => {
    expect(caHashCommand(host({ role: "server" }))).toBe("sudo sha256sum /var/lib/rancher/k3s/server/tls/server-ca.crt | cut -d' ' -f1");
    expect(secureAgentToken(`${"f".repeat(64)}\n`, "agent-secret")).toBe(`K10${"f".repeat(64)}::node:agent-secret`);
  });
});

it("points the kubeconfig at the server's address", () => {
  expect(externalKubeconfig("server: https://127.0.0.1:6443\n", "10.0.0.10")).toBe("server: https://10.0.0.10:6443\n");
});
