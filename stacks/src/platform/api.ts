import { allCRDs, DEFAULT_RUNTIMES } from "@edgefleet/api";
import type { KubeObject, Manifest } from "./manifest.js";

/**
 * edgefleet's API in the cluster: the EdgeModel, EdgeRuntime and ModelTrustPolicy CRDs and, when `catalog` is set,
 * the default runtime catalog after them, built by the operator's own TypeScript (the single schema
 * source that also generates packages/api/crds and packages/api/catalog), never copied from YAML.
 */
export function apiManifests(catalog: boolean): Manifest[] {
  const crds = allCRDs().map((crd) => ({ object: crd as unknown as KubeObject, resourceName: crd.metadata.name }));
  const runtimes = catalog
    ? DEFAULT_RUNTIMES.map(({ apiVersion, kind, metadata, spec }) => {
        const name = metadata.name ?? "";
        return {
          object: { apiVersion, kind, metadata: { name, labels: metadata.labels ?? {} }, spec },
          resourceName: `edgeruntime-${name}`,
        };
      })
    : [];
  return [...crds, ...runtimes];
}
