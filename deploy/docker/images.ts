import { IMAGE_NAMES } from "@edgefleet/api";

/** One of edgefleet's images: its repository name (@edgefleet/api) and the Dockerfile that builds it. */
export interface ImageDefinition {
  readonly name: string;
  /** Relative to the repository root, which is the build context. */
  readonly dockerfile: string;
}

/** edgefleet's own programs, each bundled from this repository onto a Node.js image. */
export const PROGRAM_IMAGES: readonly ImageDefinition[] = [
  { name: IMAGE_NAMES.operator, dockerfile: "deploy/docker/operator.Dockerfile" },
  { name: IMAGE_NAMES.gateway, dockerfile: "deploy/docker/gateway.Dockerfile" },
  { name: IMAGE_NAMES.agent, dockerfile: "deploy/docker/edge-agent.Dockerfile" },
  { name: IMAGE_NAMES.cpuRuntime, dockerfile: "deploy/docker/cpu-runtime.Dockerfile" },
  { name: IMAGE_NAMES.openvinoRuntime, dockerfile: "deploy/docker/openvino-runtime.Dockerfile" },
  { name: IMAGE_NAMES.tfliteRuntime, dockerfile: "deploy/docker/tflite-runtime.Dockerfile" },
  { name: IMAGE_NAMES.modelBuild, dockerfile: "deploy/docker/model-build.Dockerfile" },
  { name: IMAGE_NAMES.federatedTrainer, dockerfile: "deploy/docker/federated-trainer.Dockerfile" },
];

/** Mosquitto from Debian's package, for sites that cannot pull the upstream image (the platform's broker.image). */
export const BROKER_IMAGE: ImageDefinition = { name: IMAGE_NAMES.broker, dockerfile: "deploy/docker/mosquitto.Dockerfile" };

export const IMAGES: readonly ImageDefinition[] = [...PROGRAM_IMAGES, BROKER_IMAGE];
