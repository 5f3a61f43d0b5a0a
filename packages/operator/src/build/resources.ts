import type { Resource } from "@edgefleet/kube";

/** The kinds the build controller reads and writes, beside @edgefleet/kube's RESOURCES. */
export const BUILD_RESOURCES = {
  builds: { name: "edgemodelbuilds", group: "edgefleet.io", version: "v1alpha1", plural: "edgemodelbuilds", namespaced: true },
  jobs: { name: "jobs", group: "batch", version: "v1", plural: "jobs", namespaced: true },
} as const satisfies Record<string, Resource>;

/** The build controller's name: the controller and queue label of its controller-runtime families. */
export const BUILD_CONTROLLER_NAME = "edgemodelbuild";
