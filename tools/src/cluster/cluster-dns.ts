import type { V1EndpointSlice, V1Service } from "@kubernetes/client-node";
import { CLUSTER_DNS_IP, CLUSTER_DOMAIN } from "./real-node-config.js";

/** The Service pods' resolv.conf names (kubelet clusterDNS), as real clusters call it. */
export const KUBE_DNS_SERVICE = { name: "kube-dns", namespace: "kube-system" } as const;

export interface CorefileOptions {
  /** Where pods' queries arrive: the host address the kube-dns EndpointSlice points at. */
  readonly address: string;
  readonly port: number;
  readonly healthPort: number;
  readonly readyPort: number;
  /** The cluster's admin kubeconfig, for the kubernetes plugin's watches. */
  readonly kubeconfig: string;
}

/**
 * CoreDNS configuration of a real node, with only the plugins the toolchain's coredns-edgefleet
 * has (COREDNS_PLUGINS in tools/toolchain/components.sh). Names outside the cluster go to the
 * host's resolvers: CoreDNS runs in the host's network namespace, where a stub at 127.0.0.x is the
 * host's own and no loop (the `loop` plugin stops CoreDNS with a clear log line if one exists).
 */
export function corefile(o: CorefileOptions): string {
  return `.:${o.port} {
    bind ${o.address}
    errors
    health 127.0.0.1:${o.healthPort}
    ready 127.0.0.1:${o.readyPort}
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        kubeconfig ${o.kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
}
`;
}

/** Where the CoreDNS of a Corefile written by corefile() listens; throws naming the file's flaw. */
export function corefileListeners(text: string): { address: string; port: number; readyPort: number } {
  const port = /^\.:(\d+) \{$/m.exec(text)?.[1];
  const address = /^\s*bind (\S+)$/m.exec(text)?.[1];
  const readyPort = /^\s*ready 127\.0\.0\.1:(\d+)$/m.exec(text)?.[1];
  if (!port || !address || !readyPort)
    throw new Error("the real node's Corefile lacks its server block's port, bind or ready line: delete the cluster and start it again");
  return { address, port: Number(port), readyPort: Number(readyPort) };
}

/**
 * The kube-dns Service at CLUSTER_DNS_IP, and an EndpointSlice of it pointing at the node's
 * CoreDNS. Why a Service rather than clusterDNS naming the host address directly: resolv.conf has
 * no port, so a direct address would need port 53 on the host, which a host resolver (dnsmasq,
 * systemd-resolved) may hold; through the Service, kube-proxy forwards port 53 to whatever free
 * port CoreDNS got, and pods see the address real clusters give them. The Service has no
 * selector: CoreDNS is no pod, so its endpoint is written here, like the API server's own.
 */
export function kubeDnsObjects(nodeName: string, address: string, port: number): { service: V1Service; slice: V1EndpointSlice } {
  const { name, namespace } = KUBE_DNS_SERVICE;
  const labels = { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" };
  return {
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace, labels },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        ports: [
          { name: "dns", protocol: "UDP", port: 53 },
          { name: "dns-tcp", protocol: "TCP", port: 53 },
        ],
      },
    },
    slice: {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: kubeDnsSliceName(nodeName),
        namespace,
        labels: {
          ...labels,
          "kubernetes.io/service-name": name,
          // Not the EndpointSlice controller's: it leaves the slice alone.
          "endpointslice.kubernetes.io/managed-by": "edgefleet-real-node",
        },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: [address], conditions: { ready: true }, nodeName }],
      ports: [
        { name: "dns", protocol: "UDP", port },
        { name: "dns-tcp", protocol: "TCP", port },
      ],
    },
  };
}

export function kubeDnsSliceName(nodeName: string): string {
  return `${KUBE_DNS_SERVICE.name}-${nodeName}`;
}
