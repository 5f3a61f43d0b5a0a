import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Issued } from "../pki/certificates.js";

/** A kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) holding an issued certificate, kept secret in the state. */
export function tlsSecret(
  resourceName: string,
  metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
  issued: pulumi.Input<Issued>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    resourceName,
    {
      metadata,
      type: "kubernetes.io/tls",
      stringData: pulumi.secret(pulumi.output(issued).apply((i) => ({ "tls.crt": i.cert, "tls.key": i.key, "ca.crt": i.ca }))),
    },
    opts,
  );
}
