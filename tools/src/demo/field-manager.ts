/** The demo's server-side applies write as this field manager, so `kubectl get --show-managed-fields` tells them apart. */
export const DEMO_FIELD_MANAGER = "edgefleet-demo";
