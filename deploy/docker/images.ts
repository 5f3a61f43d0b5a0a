import { IMAGE_NAMES } from "@edgefleet/api";

/** One of edgefleet's images: its repository name (@edgefleet/api) and the Dockerfile that builds it. */
export interface ImageDefinition {
  readonly name: string;
  /** Relative to the repository root, which is the build context. */
  readonly dockerfile: string;
}

export const IMAGES: readonly ImageDefinition[] = [
  { name: IMAGE_NAMES.operator, dockerfile: "deploy/docker/operator.Dockerfile" },
  { name: IMAGE_NAMES.gateway, dockerfile: "deploy/docker/gateway.Dockerfile" },
  { name: IMAGE_NAMES.agent, dockerfile: "deploy/docker/edge-agent.Dockerfile" },
  { name: IMAGE_NAMES.cpuRuntime, dockerfile: "deploy/docker/cpu-runtime.Dockerfile" },
];
