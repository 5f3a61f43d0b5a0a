// `tools/edgefleet demo --shared-server`: two models in one runtime process per device. An
// EdgeRuntime with serving: Shared (edgefleet's CPU runtime under explicit model control) on the
// x86-cpu class: the operator runs one server per device, each model's pods load their verified
// file into it, and one model's staged rollout swaps its version inside the running servers.
import { type EdgeModel, type EdgeRuntime, EXPLICIT_MODEL_CONTROL_ARGS, IMAGE_NAMES, imageReference } from "@edgefleet/api";
import { isNotFound, type KubeClient, RESOURCES } from "@edgefleet/kube";
import { buildCnn, type CnnSpec, MODEL_SPECS } from "@edgefleet/test-models";
import { followRollout } from "../model-build/rollout-progress.js";
import type { LocalPlatform } from "../platform/local.js";
import { LOCAL_HOST } from "../platform/pki.js";
import { publishArtifact } from "../platform/registry.js";
import { servedEverywhere } from "../platform/serving.js";
import { runningLoaders, serverStartTime } from "../simulator/model-loaders.js";
import { DEMO_FIELD_MANAGER } from "./field-manager.js";
import { modelLatency } from "./progress.js";

const RUNTIME = "cpu-shared";
const CLASS = "x86-cpu";
const MODELS = ["lane-detector", "sign-reader"] as const;
const ROLLED = MODELS[0];
const VERSIONS = { first: "1.0.0", next: "1.1.0" } as const;
/**
 * The runtime's ONNX Runtime version, which the step's variants ask for: no other runtime ships it,
 * so these two models land on the shared runtime. Its priority below the catalog's onnx runtime
 * keeps the demo's other ONNX models on theirs (on a tie the name first in order would win).
 */
const RUNTIME_VERSION = "97.0.0";
const PRIORITY = -1;

export const SHARED_SERVER_STEP = `  (--shared-server) two models in one runtime process per device: an EdgeRuntime with serving:
     Shared on the ${CLASS} class, ${MODELS.join(" and ")} loaded into each device's one server by their
     pods' model loaders, ${ROLLED} ${VERSIONS.next} rolled out inside the running servers while
     ${MODELS[1]} answers on`;

export interface SharedServerStepOptions {
  client: KubeClient;
  platform: LocalPlatform;
  namespace: string;
  privateKeyPem: string;
  say: (line: string) => void;
}

const sharedRuntime: EdgeRuntime = {
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeRuntime",
  metadata: { name: RUNTIME },
  spec: {
    serving: "Shared",
    image: imageReference(IMAGE_NAMES.cpuRuntime),
    args: EXPLICIT_MODEL_CONTROL_ARGS,
    ports: [{ name: "http", containerPort: 8080 }],
    supportedFormats: [{ format: "onnx", precisions: ["fp32"], versions: [RUNTIME_VERSION] }],
    accelerators: [{ kind: "cpu" }],
    architectures: ["amd64"],
    priority: PRIORITY,
  },
};

/** The step: every object it applies is deleted first, so each run starts afresh. */
export async function sharedServerStep(o: SharedServerStepOptions): Promise<void> {
  const { client, namespace, say } = o;
  const models = `/apis/edgefleet.io/v1alpha1/namespaces/${namespace}/edgemodels`;
  const del = (path: string) =>
    client.request({ method: "DELETE", path }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  for (const name of MODELS) await del(`${models}/${name}`);
  await client.apply(RESOURCES.edgeRuntimes, sharedRuntime, DEMO_FIELD_MANAGER);
  say(`  EdgeRuntime ${RUNTIME}: edgefleet's CPU runtime with serving: Shared (explicit model control, a load key)`);

  const publish = (name: string, version: string, seed: number) =>
    publishArtifact({
      dir: o.platform.registryDir,
      baseUrl: `https://${LOCAL_HOST}:${o.platform.ports.artifacts}`,
      model: name,
      version,
      bytes: buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed }, name),
      privateKeyPem: o.privateKeyPem,
    });
  const model = (name: string, version: string, seed: number): EdgeModel =>
    ({
      apiVersion: "edgefleet.io/v1alpha1",
      kind: "EdgeModel",
      metadata: { name, namespace },
      spec: {
        version,
        variants: [
          {
            name: "onnx-fp32",
            format: "onnx",
            precision: "fp32",
            artifact: publish(name, version, seed),
            requirements: { accelerators: ["cpu"], runtimeVersion: { min: RUNTIME_VERSION } },
          },
        ],
        placement: { nodeSelector: { "edgefleet.io/hardware-class": CLASS } },
        rollout: {
          steps: [1, 10, 100],
          pauseSeconds: 10,
          analysis: { windowSeconds: 30, minSamples: 20, maxFailures: 1, latencyTolerance: 3 },
        },
      },
    }) as EdgeModel;
  const read = (name: string) => () => client.request<EdgeModel>({ method: "GET", path: `${models}/${name}` });
  const served = (name: string, version: string) =>
    servedEverywhere({
      prometheus: o.platform.prometheus,
      namespace,
      model: name,
      version,
      read: read(name),
      pollMs: 2_000,
      timeoutMs: 300_000,
    });

  for (const [i, name] of MODELS.entries())
    await client.request({ method: "POST", path: models, body: model(name, VERSIONS.first, 31 + i) });
  const nodes = Math.min(...(await Promise.all(MODELS.map((name) => served(name, VERSIONS.first)))));
  const loaders = runningLoaders(namespace).filter((l) => (MODELS as readonly string[]).includes(l.model));
  const servers = [...new Set(loaders.map((l) => l.server))];
  say(
    `  ${nodes} ${CLASS} devices answer ${MODELS.join(" and ")}: ${loaders.length} model loaders, ${servers.length} server processes (one per device)`,
  );
  const started = new Map(await Promise.all(servers.map(async (s) => [s, await serverStartTime(s)] as const)));

  await client.request({
    method: "PATCH",
    path: `${models}/${ROLLED}`,
    body: { spec: model(ROLLED, VERSIONS.next, 41).spec },
    contentType: "application/merge-patch+json",
  });
  const rolled = await followRollout(VERSIONS.next, {
    read: read(ROLLED),
    latency: () => modelLatency(o.platform.prometheus, namespace, ROLLED),
    say,
  });
  say(`  => ${rolled.status?.rollout?.phase}: ${rolled.status?.rollout?.reason}`);
  const restarted = [];
  for (const [server, at] of started) if ((await serverStartTime(server).catch(() => "gone")) !== at) restarted.push(server);
  const [errors] = await o.platform.prometheus.query(
    `sum(edgefleet_inference_errors_total{namespace="${namespace}",model="${MODELS[1]}"})`,
  );
  say(
    `  ${ROLLED}'s versions were loaded and unloaded in the running servers: ${restarted.length} of ${started.size} restarted; ${MODELS[1]} inference errors meanwhile: ${Number(errors?.value[1] ?? 0)}`,
  );
}
