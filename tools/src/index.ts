/** @edgefleet/tools: The local platform: toolchain installer, kwok cluster, edge fleet profiles, fleet simulator and demo. Everything other packages may import is exported here. */

export { createCluster, deleteCluster, KUBERNETES_SERVICE_IP } from "./cluster/kwokctl.js";
export { buildOciArchive, type OciImageSpec } from "./cluster/oci-image.js";
export { kubeconfigPath, kwokWorkdir, realNodesDir } from "./cluster/paths.js";
export { loadImageArchives, REAL_NODE_LABEL, type RealNodeStatus, realNodeName, realNodeStatus } from "./cluster/real-nodes.js";
export { kubeConfigFor, waitForNodesReady } from "./cluster/state.js";
export { loadToolchain } from "./cluster/toolchain.js";
export { rolloutEnded } from "./demo/progress.js";
export { applyFleet } from "./fleet/apply.js";
export { fleetNodes, KWOK_NODE_ANNOTATION, LABELS } from "./fleet/nodes.js";
export { loadFleetProfile, withCounts } from "./fleet/profile.js";
export { type BuildOptions, type BuiltImage, buildImages } from "./images/build.js";
export type { BuildResult, TargetResult } from "./model-build/result.js";
export { openvinoInt8Build, sampleModel, tfliteInt8Build } from "./platform/edgemodel.js";
export { type LocalPlatform, startLocalPlatform } from "./platform/local.js";
export { LOCAL_HOST } from "./platform/pki.js";
export { oneNodeModel, type RealSite, startRealSite } from "./platform/real-site.js";
export { type InferAnswer, inferAt, platformPodsReady, servingPod } from "./platform/real-site-pods.js";
export { PUBLIC_KEY_REF, type PublishedArtifact, publishArtifact, signingKey, tamperArtifact } from "./platform/registry.js";
export { servedEverywhere } from "./platform/serving.js";
export { type PulumiResult, type PulumiRunOptions, runPulumi } from "./pulumi/cli.js";
export { LocalStack } from "./pulumi/stack.js";
export { mosquittoBinary, runnableConfig } from "./services/mosquitto.js";
export { dockerConfig, type OciRegistry, type OciRegistryOptions, startOciRegistry } from "./services/oci-registry.js";
export { type OtelCollector, type ReceivedSpan, startOtelCollector } from "./services/otel-collector.js";
export { freePort } from "./services/ports.js";
export { type Prometheus, type ScrapeJob, startPrometheus } from "./services/prometheus.js";
export { Service } from "./services/service.js";
