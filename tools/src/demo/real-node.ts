// `tools/edgefleet demo --real-node`: the platform as pods on a real node, as a site runs it.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type EdgeModel, type EdgeModelBuild, IMAGE_NAMES, PROGRESS_KEYS } from "@edgefleet/api";
import { buildHeavyModel, buildModels } from "@edgefleet/test-models";
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { stateDir } from "../cluster/paths.js";
import { followRollout } from "../model-build/rollout-progress.js";
import { oneNodeModel, startRealSite } from "../platform/real-site.js";
import { DIGITS_BUILD_TARGETS, digitsBuildSpec } from "../platform/real-site-build.js";
import { runTrainerPods } from "../platform/real-site-federated.js";
import { inferAt, modelUrl, platformPodsReady, servingPod } from "../platform/real-site-pods.js";
import type { PublishedArtifact } from "../platform/registry.js";
import { LocalStack } from "../pulumi/stack.js";
import { followBuild } from "./build-publish.js";
import { modelLatency } from "./progress.js";

const CLUSTER = "edgefleet-real";
const NAMESPACE = "edgefleet-system";
const MODELS = "edgefleet-demo";
const MODEL = "detector";
const STEPS = 7;
/** Where step 7's federated training pods run. */
const TRAINING = "edgefleet-demo-fl";
const VERSIONS = { first: "2026.11.1", good: "2026.11.2", slow: "2026.11.3" } as const;

export const REAL_NODE_STEPS = `  1. edgefleet's images built here, and a cluster whose one node is a real kubelet (containerd,
     kube-proxy, CoreDNS) with the images loaded, provisioned as a K3s site provisions its hosts
  2. \`pulumi up\` of the platform as pods on that node: broker, gateway, operator, agent
  3. the sample model ${MODEL} ${VERSIONS.first}: its runtime pod's init container verifies the
     signed artifact, then the runtime answers an inference request at the pod's address
  4. ${VERSIONS.good}, a good build, rolled out and promoted on the agent's measurements
  5. ${VERSIONS.slow}, a slower build, rolled back automatically
  6. an EdgeModelBuild of the digits MLP (trained on scikit-learn's digits), its inputs on the
     site's OCI registry, run by the operator as a Job in the model-build image on the real node:
     ${DIGITS_BUILD_TARGETS.join(", ")} built and measured (size, accuracy, latency)
  7. federated training on the real node: a two-device FederatedTraining's pods in the
     federated-trainer image (the operator's children of the job, both clients on this one node),
     the clients' SuperNodes dialling the coordinator's Flower SuperLink over TLS, round by round`;

/** Runs the real-node walk-through; with once, tears it all down (pulumi destroy, cluster delete) at the end. */
export async function realNodeDemo(o: { once: boolean; say: (line: string) => void }): Promise<void> {
  const { say } = o;
  const step = (n: number, what: string) => say(`\n[${n}/${STEPS}] ${what}`);
  const dir = join(stateDir(), "demo-real-node");
  // Each run starts over: a new cluster, a new site CA, a new stack.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const seed = randomBytes(32).toString("hex");

  step(1, "images, and a cluster whose node is a real kubelet");
  const site = await startRealSite({ cluster: CLUSTER, dir, seed, log: (line) => say(`  ${line}`) });
  const stack = new LocalStack("real-node-demo", { stateDir: stateDir(), kubeconfig: site.kubeconfig, namespace: NAMESPACE });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("\nremoving the platform (pulumi destroy, with the model still there) and the cluster...");
    const destroyed = stack.run("destroy", "--yes", "--skip-preview");
    say(destroyed.status === 0 ? "  pulumi destroy: done" : `  pulumi destroy failed:\n${destroyed.output.slice(-2000)}`);
    stack.remove();
    await site.stop();
    say("stopped: the cluster, its real node and the site's services are gone");
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));

  let failed = true;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(site.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const objects = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodels" };
    const read = async () => (await objects.getNamespacedCustomObject({ ...ref, name: MODEL })) as EdgeModel;

    step(2, "pulumi up: the platform as pods on the real node");
    stack.remove();
    stack.configure({
      "edgefleet:cluster": { kubeconfig: site.kubeconfig, site: "factory-a" },
      "edgefleet:operator": { replicas: 1, artifactCaBundle: site.artifactCa },
      "edgefleet:broker": { image: site.images.find((i) => i.name === "mosquitto")?.reference },
      "edgefleet:monitoring": { prometheusUrl: site.prometheusUrl, rolloutAnalysis: true },
    });
    stack.init();
    stack.setSecret("edgefleet:mqttPkiSeed", seed);
    const up = stack.timed("up", "--yes", "--skip-preview");
    say(`  pulumi up: ${up.seconds.toFixed(0)}s`);
    const pods = await platformPodsReady(core, {
      namespace: NAMESPACE,
      node: site.node,
      timeoutMs: 300_000,
      progress: (l) => say(`  ${l}`),
    });
    say(`  Ready on ${site.node}: ${pods.map((p) => p.metadata?.name).join(", ")}`);
    const prometheus = await site.startPrometheus(NAMESPACE);

    step(3, `${MODEL} ${VERSIONS.first}: verified by the runtime pod's init container, served at the pod's address`);
    const [good] = buildModels();
    if (!good) throw new Error("the model generator lost a model");
    const publish = (version: string, bytes: Uint8Array) => site.publish(MODEL, version, bytes);
    await site.createModelNamespace(MODELS);
    const model = (version: string, artifact: PublishedArtifact) => oneNodeModel({ namespace: MODELS, name: MODEL, version, artifact });
    const first = await publish(VERSIONS.first, good.bytes);
    say(`  pushed to the site's OCI registry: ${first.uri}`);
    const applied = Date.now();
    await objects.createNamespacedCustomObject({ ...ref, body: model(VERSIONS.first, first) });
    const pod = await servingPod(core, { namespace: MODELS, model: MODEL, version: VERSIONS.first, node: site.node, timeoutMs: 300_000 });
    const verify = pod.status?.initContainerStatuses?.find((s) => s.name === "verify-artifact")?.state?.terminated;
    say(`  ${pod.metadata?.name} on ${site.node}: verify-artifact exited ${verify?.exitCode} (${verify?.reason})`);
    const answer = await inferAt(pod, MODEL);
    say(
      `  POST ${modelUrl(pod, MODEL)}/infer -> ${answer.outputs.map((out) => `${out.name} [${out.shape.join("x")}]`).join(", ")}` +
        ` (${((Date.now() - applied) / 1000).toFixed(1)}s after kubectl apply)`,
    );

    const roll = async (version: string, bytes: Uint8Array, want: "Promoted" | "RolledBack") => {
      await objects.patchNamespacedCustomObject(
        { ...ref, name: MODEL, body: { spec: model(version, await publish(version, bytes)).spec } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      const ended = await followRollout(version, { read, latency: () => modelLatency(prometheus, MODELS, MODEL), say });
      say(`  => ${ended.status?.rollout?.phase}: ${ended.status?.rollout?.reason}`);
      if (ended.status?.rollout?.phase !== want)
        throw new Error(`the rollout of ${version} ended ${ended.status?.rollout?.phase}, not ${want}`);
    };
    step(4, `${VERSIONS.good} (a good build): rolled out on the agent pod's measurements`);
    await roll(VERSIONS.good, good.bytes, "Promoted");
    step(5, `${VERSIONS.slow} (a slower build): rolled back automatically`);
    await roll(VERSIONS.slow, buildHeavyModel(), "RolledBack");
    const back = await servingPod(core, { namespace: MODELS, model: MODEL, version: VERSIONS.good, node: site.node, timeoutMs: 180_000 });
    await inferAt(back, MODEL);
    say(`  ${site.node} serves ${VERSIONS.good} again (${back.metadata?.name})`);

    step(6, "an EdgeModelBuild of the digits MLP, run as a Job in the model-build image on the real node");
    const buildRef = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodelbuilds" };
    const spec = await digitsBuildSpec(site, { dir: join(dir, "digits"), version: "1.0" });
    say(`  inputs pushed to the site's OCI registry: ${spec.source.uri}`);
    await objects.createNamespacedCustomObject({
      ...buildRef,
      body: { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeModelBuild", metadata: { name: "digits" }, spec },
    });
    say(`  kubectl get edgemodelbuilds -n ${MODELS} digits   # applied: ${spec.targets.join(", ")}`);
    await followBuild(async () => (await objects.getNamespacedCustomObject({ ...buildRef, name: "digits" })) as EdgeModelBuild, say, false);

    step(7, "federated training: a job's coordinator and client pods in the federated-trainer image, over TLS");
    const trainer = site.images.find((i) => i.name === IMAGE_NAMES.federatedTrainer);
    if (!trainer) throw new Error("the federated-trainer image was not built");
    const run = await runTrainerPods({
      core,
      kubeconfig: site.kubeconfig,
      namespace: TRAINING,
      node: site.node,
      image: trainer.reference,
      rounds: 3,
      timeoutMs: 900_000,
      say: (line) => say(`  ${line}`),
    });
    if (run.coordinator.status?.phase !== "Succeeded")
      throw new Error(`the coordinator pod ${run.coordinator.status?.phase}:\n${run.logs()}`);
    const trained = JSON.parse(run.progress[PROGRESS_KEYS.result] ?? "{}") as { model?: string; finalAccuracyPercent?: number };
    say(
      `  trained in ${run.seconds.toFixed(0)}s: ${trained.model} (${trained.finalAccuracyPercent?.toFixed(1)}% on the evaluation images)`,
    );

    say(`
Where to look:
  export KUBECONFIG=${site.kubeconfig}
  kubectl get pods -A -o wide                    # the platform and the runtime, on ${site.node}
  kubectl describe edgemodel -n ${MODELS} ${MODEL}
  kubectl get edgemodelbuild -n ${MODELS} digits -o yaml   # the build's measurements, per target
  kubectl get configmap -n ${TRAINING} digits-progress -o yaml   # the training's rounds, result and CA
  ${prometheus.url}/graph?g0.expr=edgefleet_device_up`);
    failed = false;
    if (!o.once) {
      say("\nEverything keeps running; Ctrl-C removes it.");
      await new Promise<void>(() => {});
    }
  } finally {
    if (o.once || failed) await stop();
  }
}
