import type { CertificateAuthority } from "@edgefleet/kit";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { K3sCluster } from "../config/types.js";
import { K3sSite } from "../k3s/site.js";

/** The K3s site of a stack's configuration: its hosts, pins and secrets. */
export function k3sSite(cluster: K3sCluster, mqttCa: CertificateAuthority | undefined): K3sSite {
  return new K3sSite(cluster.site, {
    version: cluster.version,
    site: cluster.site,
    hosts: cluster.hosts,
    sshPrivateKey: pulumi.secret(cluster.sshPrivateKey),
    token: pulumi.secret(cluster.token),
    agentToken: pulumi.secret(cluster.agentToken),
    sha256: cluster.sha256,
    ...(cluster.airGap ? { airGap: cluster.airGap } : {}),
    ...(mqttCa ? { mqttCa } : {}),
  });
}

/** Installs K3s on the site's hosts and returns a provider for the new cluster, plus its kubeconfig (secret). */
export function k3sCluster(
  cluster: K3sCluster,
  mqttCa: CertificateAuthority | undefined,
): { provider: k8s.Provider; kubeconfig: pulumi.Output<string> } {
  const site = k3sSite(cluster, mqttCa);
  return { provider: new k8s.Provider("cluster", { kubeconfig: site.kubeconfig }), kubeconfig: site.kubeconfig };
}
