import type { Issued } from "@edgefleet/kit";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Metadata = { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };

/** A kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) holding an issued certificate, kept secret in the state. */
export function tlsSecret(resourceName: string, metadata: Metadata, issued: pulumi.Input<Issued>, opts: pulumi.CustomResourceOptions) {
  const data = pulumi.output(issued).apply((i) => ({ "tls.crt": i.cert, "tls.key": i.key, "ca.crt": i.ca }));
  return keySecret(resourceName, metadata, "kubernetes.io/tls", data, opts);
}

/** A Secret of certificates and keys (by file name), kept secret in the state. */
export function keySecret(
  resourceName: string,
  metadata: Metadata,
  type: string,
  data: pulumi.Input<Record<string, string>>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(resourceName, { metadata, type, stringData: pulumi.secret(data) }, opts);
}
