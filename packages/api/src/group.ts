import type { V1ObjectMeta } from "@kubernetes/client-node";

/** The API group and version of edgefleet's custom resources. */
export const GROUP = "edgefleet.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Category every edgefleet resource joins, so `kubectl get edgefleet` lists them all. */
export const CATEGORY = "edgefleet";

/** An object of one of edgefleet's spec-only (cluster-scoped, status-less) kinds, as read from the API server. */
export interface SpecObject<Kind extends string, Spec> {
  apiVersion: "edgefleet.io/v1alpha1";
  kind: Kind;
  metadata: V1ObjectMeta;
  spec: Spec;
}
