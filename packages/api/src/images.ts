/**
 * edgefleet's own images: where they are published, the release they are tagged with, and each
 * one's repository name. The Pulumi program's defaults, the runtime catalog, the operator's default
 * agent image and the local image builder (tools/edgefleet images) all read them from here.
 */

/** Registry and path prefix of edgefleet's published images. */
export const IMAGE_REGISTRY = "ghcr.io/edgefleet";

/** The release every edgefleet image of this source tree is tagged with. */
export const IMAGE_VERSION = "0.1.0";

/** Each image's repository name under the registry (deploy/docker/<Dockerfile> builds it). */
export const IMAGE_NAMES = {
  operator: "operator",
  gateway: "telemetry-gateway",
  agent: "edge-agent",
  cpuRuntime: "cpu-runtime",
  /** The OpenVINO and TFLite runtimes: the CPU runtime's server, the model in a Python worker. */
  openvinoRuntime: "openvino-runtime",
  tfliteRuntime: "tflite-runtime",
  /** EdgeModelBuild Jobs: tools/edgefleet model's CLI with the build tools' Python venv (not TFLite's). */
  modelBuild: "model-build",
  /**
   * A FederatedTraining's coordinator and client pods on real nodes (spec.trainer.image): edgefleet's
   * Flower app, the digits MLP, with the federated venv; the reference an app team's trainer follows.
   */
  federatedTrainer: "federated-trainer",
  /**
   * Mosquitto from Debian's package, for sites that cannot pull the upstream eclipse-mosquitto image
   * the platform deploys by default (its broker.image setting picks this one).
   */
  broker: "mosquitto",
} as const;

/** An image reference: REGISTRY/NAME:VERSION. */
export const imageReference = (name: string, registry: string = IMAGE_REGISTRY, version: string = IMAGE_VERSION) =>
  `${registry}/${name}:${version}`;
