/** The API group and version of edgefleet's custom resources. */
export const GROUP = "edgefleet.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Category every edgefleet resource joins, so `kubectl get edgefleet` lists them all. */
export const CATEGORY = "edgefleet";
