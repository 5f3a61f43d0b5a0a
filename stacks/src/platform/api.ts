import { allCRDs, DEFAULT_RUNTIMES } from "@edgefleet/api";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ApiArgs {
  /** Install the default EdgeRuntime catalog as well as the CRDs. */
  readonly catalog: boolean;
}

/**
 * edgefleet's API in the cluster: the EdgeModel and EdgeRuntime CRDs and the default runtime
 * catalog, built by the operator's own TypeScript (the single schema source that also generates
 * packages/api/crds and packages/api/catalog), never copied from YAML.
 */
export class Api extends pulumi.ComponentResource {
  readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];
  readonly runtimes: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Api", name, {}, opts);
    this.crds = allCRDs().map((crd) => new k8s.apiextensions.v1.CustomResourceDefinition(crd.metadata.name, crd, { parent: this }));
    this.runtimes = args.catalog
      ? DEFAULT_RUNTIMES.map(({ apiVersion, kind, metadata, spec }) => {
          const name = metadata.name ?? "";
          return new k8s.apiextensions.CustomResource(
            `edgeruntime-${name}`,
            { apiVersion, kind, metadata: { name, labels: metadata.labels ?? {} }, spec },
            // The API server serves EdgeRuntimes only once their CRD is established.
            { parent: this, dependsOn: this.crds },
          );
        })
      : [];
    this.registerOutputs({ crds: this.crds.map((c) => c.metadata.name), runtimes: this.runtimes.map((r) => r.metadata.name) });
  }
}
