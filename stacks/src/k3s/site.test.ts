import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostConfig } from "../config/types.js";
import { certificateAuthority } from "../pki/certificates.js";
import { descendants, type Registered, recordResources } from "../testing/mocks.js";
import { K3sSite, type K3sSiteArgs } from "./site.js";

let recorder: Awaited<ReturnType<typeof recordResources>>;
beforeAll(async () => {
  recorder = await recordResources((type) => (type === "command:remote:Command" ? { stdout: KUBECONFIG, stderr: "" } : {}));
});

const host = (
  name: string,
  role: "server" | "agent",
  hardwareClass: string,
  accelerator: HostConfig["accelerator"],
  arch: HostConfig["arch"],
): HostConfig => ({
  name,
  address: `10.0.0.${10 + name.length}`,
  port: 22,
  user: "ubuntu",
  role,
  hardwareClass,
  accelerator,
  arch,
  labels: {},
  taints: [],
  mqttGeneration: 0,
});
const KUBECONFIG = "clusters:\n- cluster:\n    server: https://127.0.0.1:6443\n";
const HOSTS = [
  host("srv", "server", "x86-cpu", "none", "amd64"),
  host("jetson", "agent", "jetson-orin", "nvidia-gpu", "arm64"),
  host("pi", "agent", "rpi5-coral", "edgetpu", "arm64"),
];
const ARGS: K3sSiteArgs = {
  version: "v1.32.3+k3s1",
  site: "factory-a",
  hosts: HOSTS,
  sshPrivateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----"),
  token: pulumi.secret("0123456789abcdef"),
};
const AIR_GAP = {
  installScript: "install.sh",
  binaries: { amd64: "k3s", arm64: "k3s-arm64" },
  images: { amd64: "a.tar.zst", arm64: "b.tar.zst" },
};

async function site(name: string, over: Partial<K3sSiteArgs> = {}): Promise<{ site: K3sSite; rs: Registered[] }> {
  const s = new K3sSite(name, { ...ARGS, ...over });
  return { site: s, rs: descendants(await recorder.settled(), `edgefleet:k3s:Site::${name}`) };
}
const byName = (rs: readonly Registered[], name: string) => {
  const r = rs.find((x) => x.name === name);
  if (!r) throw new Error(`no ${name} among ${rs.map((x) => x.name).join(", ")}`);
  return r;
};

describe("K3sSite", () => {
  let online: { site: K3sSite; rs: Registered[] };
  beforeAll(async () => {
    online = await site("f");
  });

  it("runs config, token and install per host, and reads the kubeconfig from the server", () => {
    expect(online.rs.map((r) => `${r.type.split(":").pop()} ${r.name}`).sort()).toEqual(
      [
        "Command f-srv-agent-token",
        ...["srv", "jetson", "pi"].flatMap((h) => [`Command f-${h}-config`, `Command f-${h}-token`, `Command f-${h}-install`]),
        "Command f-srv-kubeconfig",
      ].sort(),
    );
  });

  it("orders the SSH steps: config and token before install, agents after the server", () => {
    expect(byName(online.rs, "f-srv-install").dependsOn).toEqual(["f-srv-agent-token", "f-srv-config", "f-srv-token"]);
    expect(byName(online.rs, "f-srv-kubeconfig").dependsOn).toEqual(["f-srv-install"]);
    for (const agent of ["jetson", "pi"]) {
      expect(byName(online.rs, `f-${agent}-install`).dependsOn).toEqual([`f-${agent}-config`, `f-${agent}-token`, "f-srv-install"]);
      expect(byName(online.rs, `f-${agent}-config`).dependsOn).toEqual([]);
    }
  });

  it("gives the server token to the server only: agents join with the agent token the server also gets", () => {
    const stdin = (name: string) => byName(online.rs, name).inputs.stdin;
    expect(stdin("f-srv-token")).toBe("0123456789abcdef");
    const agent = stdin("f-srv-agent-token");
    expect(agent).toMatch(/^[0-9a-f]{64}$/);
    for (const h of ["jetson", "pi"]) expect(stdin(`f-${h}-token`)).toBe(agent);
    expect(byName(online.rs, "f-srv-agent-token").inputs.create).toContain("/etc/rancher/k3s/edgefleet-agent-token");
    expect(byName(online.rs, "f-srv-agent-token").secretPaths).toContain("stdin");
  });

  it("keeps the SSH key, the token and the kubeconfig secret", async () => {
    // The key makes the whole connection secret.
    for (const r of online.rs) expect(r.secretPaths, r.name).toContain("connection");
    expect(byName(online.rs, "f-jetson-token").secretPaths).toContain("stdin");
    expect(byName(online.rs, "f-jetson-config").secretPaths).not.toContain("stdin");
    expect(await pulumi.isSecret(online.site.kubeconfig)).toBe(true);
    const kubeconfig = await new Promise((resolve) => online.site.kubeconfig.apply(resolve));
    expect(kubeconfig).toContain("server: https://10.0.0.13:6443");
  });

  it("labels and taints each node by its hardware class", () => {
    const config = (h: string) => byName(online.rs, `f-${h}-config`).inputs.stdin as string;
    expect(config("jetson")).toContain("edgefleet.io/hardware-class=jetson-orin");
    expect(config("jetson")).toContain("edgefleet.io/accelerator=nvidia-gpu:PreferNoSchedule");
    expect(config("pi")).toContain("edgefleet.io/accelerator=edgetpu");
    expect(config("srv")).toContain("node-taint: []");
    expect(config("pi")).toContain("server: https://10.0.0.13:6443");
  });

  it("pins the K3s version and uninstalls on destroy", () => {
    const install = byName(online.rs, "f-pi-install").inputs;
    expect(install.create).toContain("INSTALL_K3S_VERSION='v1.32.3+k3s1'");
    expect(install.triggers).toContain("v1.32.3+k3s1");
    expect(install.delete).toBe("sudo /usr/local/bin/k3s-agent-uninstall.sh");
  });

  it("air-gapped, stages the installer, the binary and the images for each host's architecture first", async () => {
    const { rs } = await site("ag", { airGap: AIR_GAP });
    const copies = rs.filter((r) => r.type === "command:remote:CopyFile");
    expect(copies).toHaveLength(9);
    expect(byName(rs, "ag-pi-stage-binary").inputs).toMatchObject({ localPath: "k3s-arm64", remotePath: "/home/ubuntu/edgefleet-k3s" });
    expect(byName(rs, "ag-srv-stage-images").inputs).toMatchObject({ localPath: "a.tar.zst" });
    expect(byName(rs, "ag-pi-install").dependsOn).toEqual(
      ["ag-pi-config", "ag-pi-stage-binary", "ag-pi-stage-images", "ag-pi-stage-installScript", "ag-pi-token", "ag-srv-install"].sort(),
    );
    expect(byName(rs, "ag-pi-install").inputs.create).not.toContain("curl");
  });

  it("with the site's MQTT CA, gives each node its own identity on the host, the key secret, of the host's generation", async () => {
    const ca = certificateAuthority("0123456789abcdef0123456789abcdef");
    const hosts = HOSTS.map((h) => (h.name === "pi" ? { ...h, mqttGeneration: 2 } : h));
    const { rs } = await site("id", { mqttCa: ca, hosts });
    // Raising one host's generation re-issues that host's identity alone.
    expect(byName(rs, "id-pi-mqtt-tls.crt").inputs.stdin).toBe(ca.issue("pi", [], 2).cert);
    expect(byName(rs, "id-jetson-mqtt-tls.crt").inputs.stdin).toBe(ca.issue("jetson").cert);
    for (const h of ["srv", "jetson", "pi"]) {
      const file = (f: string) => byName(rs, `id-${h}-mqtt-${f}`);
      expect(file("tls.key").secretPaths).toContain("stdin");
      expect(file("tls.crt").secretPaths).not.toContain("stdin");
      expect(file("tls.key").inputs.create).toBe("sudo install -D -m 640 /dev/stdin /etc/edgefleet/mqtt/tls.key");
      const cert = new X509Certificate(file("tls.crt").inputs.stdin as string);
      expect(cert.subject).toContain(`CN=${h}`);
      expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    }
  });
});
