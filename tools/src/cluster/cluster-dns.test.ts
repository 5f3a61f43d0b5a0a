import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { corefile, corefileListeners, kubeDnsObjects } from "./cluster-dns.js";
import { SERVICE_CIDR } from "./kwokctl.js";
import { CLUSTER_DNS_IP } from "./real-node-config.js";

const options = { address: "192.0.2.2", port: 40053, healthPort: 40054, readyPort: 40055, kubeconfig: "/state/kubeconfig.yaml" };

describe("corefile", () => {
  const text = corefile(options);

  it("serves the cluster domain from the API and forwards the rest to the host's resolvers", () => {
    expect(text).toMatch(/^\.:40053 \{$/m);
    expect(text).toContain("bind 192.0.2.2");
    expect(text).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa {");
    expect(text).toContain("kubeconfig /state/kubeconfig.yaml");
    expect(text).toContain("forward . /etc/resolv.conf");
    expect(text).toContain("ready 127.0.0.1:40055");
  });

  it("uses exactly the plugins the toolchain builds in (COREDNS_PLUGINS)", () => {
    const components = readFileSync(fileURLToPath(new URL("../../toolchain/components.sh", import.meta.url)), "utf8");
    const built = /^COREDNS_PLUGINS=\(([^)]*)\)$/m.exec(components)?.[1]?.split(" ") ?? [];
    const used = text
      .split("\n")
      .filter((line) => /^ {4}[a-z]/.test(line))
      .map((line) => line.trim().split(" ")[0]);
    expect(new Set(used)).toEqual(new Set(built));
  });

  it("gives back where it listens", () => {
    expect(corefileListeners(text)).toEqual({ address: "192.0.2.2", port: 40053, readyPort: 40055 });
    expect(() => corefileListeners(".:53 {\n}\n")).toThrow(/delete the cluster and start it again/);
  });
});

describe("kubeDnsObjects", () => {
  it("a selector-less kube-dns Service on port 53 and a slice to CoreDNS's port on the host", () => {
    const { service, slice } = kubeDnsObjects("x86-cpu-real-1", "192.0.2.2", 40053);
    expect(service.spec?.selector).toBeUndefined();
    expect(service.spec?.clusterIP).toBe(CLUSTER_DNS_IP);
    expect(service.spec?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`)).toEqual(["dns/UDP/53", "dns-tcp/TCP/53"]);
    expect(slice.metadata?.labels?.["kubernetes.io/service-name"]).toBe("kube-dns");
    expect(slice.endpoints).toEqual([{ addresses: ["192.0.2.2"], conditions: { ready: true }, nodeName: "x86-cpu-real-1" }]);
    expect(slice.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`)).toEqual(["dns/UDP/40053", "dns-tcp/TCP/40053"]);
  });

  it("puts the cluster DNS address in the Service range", () => {
    expect(SERVICE_CIDR).toBe("10.96.0.0/16");
    expect(CLUSTER_DNS_IP.startsWith("10.96.")).toBe(true);
  });
});
