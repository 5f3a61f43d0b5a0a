import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  CLUSTER_DNS_IP,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  kubeProxyConfig,
  realNodeLayout,
  SANDBOX_IMAGE,
} from "./real-node-config.js";

const layout = realNodeLayout("/state/real-nodes/c", "c", "x86-cpu-real-1", 0);

describe("realNodeLayout", () => {
  it("keeps everything under the node's directory, with a /24 and a bridge name Linux accepts", () => {
    expect(layout.dir).toBe("/state/real-nodes/c/x86-cpu-real-1");
    expect(layout.containerdSocket).toBe("/state/real-nodes/c/x86-cpu-real-1/containerd.sock");
    expect(layout.podSubnet).toMatch(/^10\.244\.\d{1,3}\.0\/24$/);
    expect(layout.bridge.length).toBeLessThanOrEqual(15);
    expect(layout.network).toBe(`edgefleet-${layout.bridge.slice(2)}`);
  });

  it("differs between clusters of different state directories", () => {
    const other = realNodeLayout("/other/real-nodes/c", "c", "x86-cpu-real-1", 0);
    expect(other.bridge).not.toBe(layout.bridge);
  });
});

describe("real node configuration files", () => {
  it("containerd: the node's socket and directories, the local sandbox image, cgroupfs runc", () => {
    const toml = containerdConfig(layout, "/usr/sbin/runc");
    expect(toml).toContain('address = "/state/real-nodes/c/x86-cpu-real-1/containerd.sock"');
    expect(toml).toContain(`sandbox = "${SANDBOX_IMAGE}"`);
    expect(toml).toContain("SystemdCgroup = false");
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(toml).toContain('conf_dir = "/state/real-nodes/c/x86-cpu-real-1/cni/net.d"');
  });

  it("CNI: bridge with host-local addresses in the node's subnet and state, then portmap", () => {
    const conf = JSON.parse(cniConfig(layout));
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
    expect(conf.plugins[0].ipam).toMatchObject({ ranges: [[{ subnet: layout.podSubnet }]], dataDir: `${layout.dir}/cni/ipam` });
  });

  it("kubelet: accepts cgroup v1, talks to the node's containerd and gives pods the cluster DNS", () => {
    const conf = parse(kubeletConfig(layout, { caFile: "/pki/ca.crt", port: 10250, healthzPort: 10248 }));
    expect(conf).toMatchObject({
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: "/pki/ca.crt" } },
      authorization: { mode: "Webhook" },
      clusterDomain: "cluster.local",
      clusterDNS: [CLUSTER_DNS_IP],
    });
  });

  it("kube-proxy: iptables mode for the node, on local ports", () => {
    const conf = parse(kubeProxyConfig(layout, { kubeconfig: "/k", metricsPort: 1, healthzPort: 2 }));
    expect(conf).toMatchObject({ mode: "iptables", hostnameOverride: "x86-cpu-real-1", clusterCIDR: layout.podSubnet });
    expect(conf.metricsBindAddress).toBe("127.0.0.1:1");
  });
});
