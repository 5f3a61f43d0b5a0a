import { X509Certificate } from "node:crypto";
import { certificateAuthority, DEFAULT_RENEWAL } from "@edgefleet/kit";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { HostConfig } from "../config/types.js";
import { descendants, type Registered, recordResources } from "../testing/mocks.js";
import { CHECKSUMS, HOST_KEY } from "../testing/pins.js";
import { K3sSite, type K3sSiteArgs } from "./site.js";

const COMMAND = "pulumi-nodejs:dynamic:Resource";
const CA_HASH = "f".repeat(64);
let recorder: Awaited<ReturnType<typeof recordResources>>;
beforeAll(async () => {
  // What the server's commands print: its kubeconfig, the hash of its CA bundle.
  recorder = await recordResources((type, inputs) =>
    type === COMMAND ? { stdout: String(inputs.create).includes("sha256sum /var") ? `${CA_HASH}\n` : KUBECONFIG } : {},
  );
}, 60_000);

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
  hostKey: HOST_KEY,
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
  token: pulumi.secret("server-0123456789abcdef"),
  agentToken: pulumi.secret("agent-0123456789abcdef"),
  sha256: CHECKSUMS,
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

  it("per host downloads, writes config and token, and installs; reads the kubeconfig and the CA's hash from the server", () => {
    expect(online.rs.every((r) => r.type === COMMAND)).toBe(true);
    expect(online.rs.map((r) => r.name).sort()).toEqual(
      [
        "f-srv-agent-token",
        ...["srv", "jetson", "pi"].flatMap((h) => [`f-${h}-download`, `f-${h}-config`, `f-${h}-token`, `f-${h}-install`]),
        "f-srv-kubeconfig",
        "f-srv-ca-hash",
      ].sort(),
    );
  });

  it("orders the SSH steps: files, config and token before install, agents after the server and its CA's hash", () => {
    expect(byName(online.rs, "f-srv-install").dependsOn).toEqual(["f-srv-agent-token", "f-srv-config", "f-srv-download", "f-srv-token"]);
    expect(byName(online.rs, "f-srv-kubeconfig").dependsOn).toEqual(["f-srv-install"]);
    expect(byName(online.rs, "f-srv-ca-hash").dependsOn).toEqual(["f-srv-install"]);
    for (const agent of ["jetson", "pi"]) {
      expect(byName(online.rs, `f-${agent}-install`).dependsOn).toEqual([
        `f-${agent}-config`,
        `f-${agent}-download`,
        `f-${agent}-token`,
        "f-srv-install",
      ]);
      expect(byName(online.rs, `f-${agent}-token`).dependsOn).toEqual(["f-srv-ca-hash"]);
      expect(byName(online.rs, `f-${agent}-config`).dependsOn).toEqual([]);
    }
  });

  it("gives the server token to the server only: agents get the agent token, in the secure format pinning the server's CA", () => {
    const stdin = (name: string) => byName(online.rs, name).inputs.stdin;
    expect(stdin("f-srv-token")).toBe("server-0123456789abcdef");
    expect(stdin("f-srv-agent-token")).toBe("agent-0123456789abcdef");
    expect(byName(online.rs, "f-srv-agent-token").inputs.create).toContain("/etc/rancher/k3s/edgefleet-agent-token");
    for (const h of ["jetson", "pi"]) {
      expect(stdin(`f-${h}-token`)).toBe(`K10${CA_HASH}::node:agent-0123456789abcdef`);
      // No input of an agent's steps holds the server token.
      for (const r of online.rs.filter((x) => x.name.startsWith(`f-${h}-`)))
        expect(JSON.stringify(r.inputs), r.name).not.toContain("server-0123");
    }
  });

  it("pins every connection to its host's key", () => {
    for (const r of online.rs) expect((r.inputs.connection as { hostKey: unknown }).hostKey, r.name).toEqual(HOST_KEY);
  });

  it("keeps the SSH key, the tokens and the kubeconfig secret", async () => {
    // The key makes the whole connection secret.
    for (const r of online.rs) expect(r.secretPaths, r.name).toContain("connection");
    for (const name of ["f-srv-token", "f-srv-agent-token", "f-jetson-token"])
      expect(byName(online.rs, name).secretPaths).toContain("stdin");
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

  it("pins the K3s version and the files' checksums, re-installs when a token changes, and uninstalls on destroy", async () => {
    const install = byName(online.rs, "f-pi-install").inputs;
    expect(install.create).toContain("INSTALL_K3S_VERSION='v1.32.3+k3s1'");
    expect(install.create).toContain(`${"c".repeat(64)}  /home/ubuntu/edgefleet-k3s`);
    expect(install.triggers).toContain("v1.32.3+k3s1");
    expect(install.triggers).toContainEqual({ installScript: "a".repeat(64), binary: "c".repeat(64) });
    expect(install.delete).toBe("sudo /usr/local/bin/k3s-agent-uninstall.sh");
    const { rs } = await site("rot", { agentToken: pulumi.secret("agent-rotated-0123456789") });
    const triggers = (n: string, r: Registered[]) => JSON.stringify(byName(r, n).inputs.triggers);
    expect(triggers("rot-pi-install", rs)).not.toBe(triggers("f-pi-install", online.rs));
  });

  it("air-gapped, streams the installer, the binary and the images of each host's architecture, and downloads nothing", async () => {
    const { rs } = await site("ag", { airGap: AIR_GAP });
    expect(rs.filter((r) => r.name.includes("-stage-"))).toHaveLength(9);
    expect(rs.filter((r) => r.name.endsWith("-download"))).toEqual([]);
    expect(byName(rs, "ag-pi-stage-binary").inputs).toMatchObject({
      stdinFile: "k3s-arm64",
      create: "install -m 600 /dev/stdin /home/ubuntu/edgefleet-k3s",
      triggers: ["c".repeat(64), "k3s-arm64"],
    });
    expect(byName(rs, "ag-srv-stage-images").inputs).toMatchObject({ stdinFile: "a.tar.zst" });
    expect(byName(rs, "ag-pi-install").dependsOn).toEqual(
      ["ag-pi-config", "ag-pi-stage-binary", "ag-pi-stage-images", "ag-pi-stage-installScript", "ag-pi-token", "ag-srv-install"].sort(),
    );
    expect(byName(rs, "ag-pi-install").inputs.create).toContain(`${"e".repeat(64)}  /home/ubuntu/edgefleet-k3s-images.tar.zst`);
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

  it("renews each node's certificate at the first `pulumi up` of its next validity window, the same bytes until then", async () => {
    const at = (iso: string) =>
      certificateAuthority("0123456789abcdef0123456789abcdef", undefined, { ...DEFAULT_RENEWAL, now: new Date(iso) });
    const crt = async (name: string, iso: string) =>
      byName((await site(name, { mqttCa: at(iso) })).rs, `${name}-pi-mqtt-tls.crt`).inputs.stdin as string;
    const [march, september, december] = [
      await crt("r1", "2026-03-01T00:00:00Z"),
      await crt("r2", "2026-09-01T00:00:00Z"),
      await crt("r3", "2026-12-01T00:00:00Z"),
    ];
    expect(september).toBe(march);
    expect(december).not.toBe(march);
    const validTo = (pem: string) => new Date(new X509Certificate(pem).validTo);
    expect(validTo(december).getTime()).toBeGreaterThan(validTo(march).getTime());
    expect(new X509Certificate(december).subject).toContain("CN=pi");
  });
});
