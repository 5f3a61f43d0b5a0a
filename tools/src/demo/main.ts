// The README's main command: the local platform with every service real, a simulated fleet whose
// devices run the real agent and CPU runtime, and two staged OTA rollouts: a good version promoted,
// a slower one rolled back automatically.
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EdgeModel } from "@edgefleet/api";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { isNotFound, KubeClient, loadCredentials, RESOURCES } from "@edgefleet/kube";
import { buildModels } from "@edgefleet/test-models";
import { DEFAULT_CLUSTER, kubeconfigPath, stateDir } from "../cluster/paths.js";
import { followRollout, type LatencyByVersion } from "../model-build/rollout-progress.js";
import { openvinoInt8Build, sampleModel, tfliteInt8Build } from "../platform/edgemodel.js";
import { DEFAULT_PORTS, type LocalPlatform, startLocalPlatform } from "../platform/local.js";
import { LOCAL_HOST } from "../platform/pki.js";
import { PUBLIC_KEY_REF, type PublishedArtifact, publishArtifact, signingKey } from "../platform/registry.js";
import { servedEverywhere } from "../platform/serving.js";
import { removeLeftoverBuildNode } from "./build-node.js";
import { MODEL_BUILD_STEP, modelBuildStep } from "./build-publish.js";
import { FEDERATED_STEPS, federatedDemo } from "./federated.js";
import { FEDERATED_JOB_STEP, federatedJobStep } from "./federated-job.js";
import { DEMO_FIELD_MANAGER } from "./field-manager.js";
import { MODEL_BUILD_STEPS, modelBuildDemo } from "./model-build.js";
import { modelLatency } from "./progress.js";
import { REAL_NODE_STEPS, realNodeDemo } from "./real-node.js";
import { SHARED_SERVER_STEP, sharedServerStep } from "./shared-server.js";
import { placementTable, summarize } from "./summary.js";
import { resetTrust, TRUST_POLICY, trustStep } from "./trust.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const STEPS = 7;
const NAMESPACE = "edgefleet-demo";
const MODEL = "detector";
const VERSIONS = { first: "2026.11.1", good: "2026.11.2", slow: "2026.11.3" } as const;
/** The trust step's model from a source the policy does not list. */
const STRANGER = "detector-elsewhere";

/** A version's published builds: ONNX, and the OpenVINO IR and .tflite file of the same model. */
interface Builds {
  artifact: PublishedArtifact;
  openvinoArtifact: PublishedArtifact;
  tfliteArtifact: PublishedArtifact;
}

const CLI = command({
  usage:
    "tools/edgefleet demo [--once] [--federated-job] [--model-build] [--shared-server] [--real-node | --model-build-cli | --federated]",
  about: `Runs edgefleet's local platform and shows a staged over-the-air rollout on a simulated fleet:
  1. the local cluster: a real control plane and 20 kwok edge nodes in 4 hardware classes
  2. the platform, deployed by \`pulumi up\` of the \`local\` stack (CRDs, runtime catalog, ...)
  3. the services, all real and local: an HTTPS model registry, Mosquitto (TLS, per-node ACL),
     the telemetry gateway, Prometheus with edgefleet's alert rules, an OpenTelemetry Collector,
     the operator (its traces over OTLP to that collector), and the fleet simulator (per node:
     the edge agent and the CPU runtime serving the verified model)
  4. the sample model ${MODEL} ${VERSIONS.first} placed on every node
  5. ${VERSIONS.good}, a good build, rolled out 1% -> 10% -> 100% of each class and promoted
  6. ${VERSIONS.slow}, a slower build, rolled back automatically on measured latency
  7. platform trust: a ModelTrustPolicy keeps ${MODEL} and refuses a model from another source
${FEDERATED_JOB_STEP}
  9. ${MODEL_BUILD_STEP.trimStart()}
     (step 8 when --federated-job is not given)
 10. ${SHARED_SERVER_STEP.trimStart()}
     (the last step, numbered after those the other flags add)
Then it keeps everything running until Ctrl-C, which stops all it started.

With --real-node, the platform as pods on a real node instead:
${REAL_NODE_STEPS}

With --model-build-cli, the step before deployment with the CLI alone (no cluster) instead:
${MODEL_BUILD_STEPS}

With --federated, federated learning instead:
${FEDERATED_STEPS}`,
  flags: {
    once: { type: "switch", help: "stop everything and exit after the last step" },
    "real-node": {
      type: "switch",
      help: "instead: the platform as pods on a real node (needs root), in its own cluster (steps above)",
    },
    "model-build": {
      type: "switch",
      help: "also a last step: an EdgeModelBuild with spec.publish run by the operator, its new version rolled out (steps above)",
    },
    "model-build-cli": {
      type: "switch",
      help: "instead: the step before deployment with tools/edgefleet model alone, building and measuring a model's variants (steps above)",
    },
    "federated-job": {
      type: "switch",
      help: "also step 8: a FederatedTraining job the operator runs on the simulated fleet, its rounds as they land, its result built, published and rolled out",
    },
    "shared-server": {
      type: "switch",
      help: "also a last step: two models loaded into one runtime process per device (an EdgeRuntime with serving: Shared), one rolled out inside the running servers (steps above)",
    },
    federated: {
      type: "switch",
      help: "instead: federated training on Flower across simulated devices, then the model's builds (steps above)",
    },
  },
  footer: `Ports: Prometheus ${DEFAULT_PORTS.prometheus}, gateway /metrics ${DEFAULT_PORTS.gateway}, operator /metrics ${DEFAULT_PORTS.operator},
broker ${DEFAULT_PORTS.broker} (mqtts), registry ${DEFAULT_PORTS.artifacts} (https). Logs: ${join(stateDir(), "demo", "logs")}.`,
});

const say = (line: string) => console.error(line);
let steps = STEPS;
const step = (n: number, what: string) => say(`\n[${n}/${steps}] ${what}`);

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

/** Runs the offline Pulumi CLI with its output in a log; prints the resource summary, or the log's tail on failure. */
function pulumi(args: readonly string[], logFile: string, kubeconfig: string): void {
  const r = spawnSync("bash", ["-c", `. tools/pulumi-env.sh && exec pulumi "$@"`, "pulumi", ...args, "--non-interactive"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  const output = `${r.stdout}${r.stderr}`;
  appendFileSync(logFile, output);
  if (r.status !== 0) {
    say(output.split("\n").slice(-30).join("\n"));
    throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status}); full output in ${logFile}`);
  }
  const summary = output.split("\n").filter((l) => /^\s+[-+~]?\s*\d+ (created|updated|deleted|replaced|unchanged)|^Duration:/.test(l));
  if (summary.length) say(`pulumi: ${summary.map((l) => l.trim()).join(", ")} (log: ${logFile})`);
}

class Demo {
  constructor(
    private readonly client: KubeClient,
    private readonly platform: LocalPlatform,
  ) {}

  private path(name = ""): string {
    return `/apis/edgefleet.io/v1alpha1/namespaces/${NAMESPACE}/edgemodels${name ? `/${name}` : ""}`;
  }

  async model(): Promise<EdgeModel> {
    return this.client.request<EdgeModel>({ method: "GET", path: this.path(MODEL) });
  }

  async apply(model: EdgeModel): Promise<void> {
    await this.client.apply(RESOURCES.edgeModels, model, DEMO_FIELD_MANAGER);
  }

  /**
   * Deletes the sample model a previous run left (and any other model of the namespace: --model-build's),
   * the build node a run stopped by a signal left,
   * so every run starts from its first version, and
   * the samples earlier versions of the demo applied in "vision": they hold the Jetsons' GPU and
   * the Corals' Edge TPU, one per device, which the sample model needs.
   */
  async reset(): Promise<void> {
    for (const name of ["detector", "segmenter-igpu"]) {
      await this.client
        .request({ method: "DELETE", path: `/apis/edgefleet.io/v1alpha1/namespaces/vision/edgemodels/${name}` })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    await removeLeftoverBuildNode(this.client);
    // Every model of the namespace: --model-build leaves its digits model there, and the wait below is for none.
    const models = await this.client.request<{ items: EdgeModel[] }>({ method: "GET", path: this.path() });
    for (const name of new Set([MODEL, ...models.items.map((m) => m.metadata?.name ?? "")].filter(Boolean)))
      await this.client.request({ method: "DELETE", path: this.path(name) }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    for (;;) {
      const left = await this.client.request<{ items: unknown[] }>({ method: "GET", path: this.path() });
      if (left.items.length === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  latency(): Promise<LatencyByVersion> {
    return modelLatency(this.platform.prometheus, NAMESPACE, MODEL);
  }

  /** Prints a line whenever the rollout moves; resolves with how it ended. */
  follow(version: string): Promise<EdgeModel> {
    return followRollout(version, { read: () => this.model(), latency: () => this.latency(), say });
  }

  /** Waits until every placed node of the model serves version, as the devices report it. */
  servedEverywhere(version: string, timeoutMs = 300_000): Promise<number> {
    const read = () => this.model();
    return servedEverywhere({
      prometheus: this.platform.prometheus,
      namespace: NAMESPACE,
      model: MODEL,
      version,
      read,
      pollMs: 2_000,
      timeoutMs,
    });
  }
}

async function main(): Promise<void> {
  const values = await optionsOrExitCode(CLI.help, () => CLI.parse(process.argv.slice(2), (v) => v));
  if (typeof values === "number") {
    process.exitCode = values;
    return;
  }
  steps = STEPS + (values["federated-job"] ? 1 : 0) + (values["model-build"] ? 1 : 0) + (values["shared-server"] ? 1 : 0);
  if (values["real-node"]) {
    await realNodeDemo({ once: values.once === true, say });
    return;
  }
  if (values["model-build-cli"]) {
    modelBuildDemo({ root: ROOT, say });
    return;
  }
  if (values.federated) {
    federatedDemo({ root: ROOT, say });
    return;
  }
  const kubeconfig = kubeconfigPath(DEFAULT_CLUSTER);
  const dir = join(stateDir(), "demo");
  mkdirSync(join(dir, "logs"), { recursive: true });

  step(1, "local cluster and simulated edge fleet");
  // `cluster status` exits non-zero when the cluster is not running; only its answer matters here.
  const status = spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "status"], { cwd: ROOT, encoding: "utf8" });
  const wasRunning = `${status.stdout}`.includes("(running)");
  spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "start"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });

  step(2, "platform: pulumi up of the `local` stack (CRDs, runtime catalog, operator, broker, ...)");
  const pulumiLog = join(dir, "logs", "pulumi-up.log");
  pulumi(["stack", "select", "--create", "local"], pulumiLog, kubeconfig);
  pulumi(["up", "--yes", "--skip-preview", "--stack", "local"], pulumiLog, kubeconfig);

  step(3, "services: registry, broker, gateway, Prometheus, trace collector, operator, fleet simulator");
  const platform = await startLocalPlatform({ kubeconfig, dir, progress: (l) => say(`  ${l}`) });
  const client = new KubeClient({ credentials: await loadCredentials(kubeconfig) });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("\nstopping the services...");
    await platform.stop();
    client.close();
    if (!wasRunning) run("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "stop"]);
    say(
      wasRunning
        ? "stopped (the cluster was running before the demo and keeps running)"
        : "stopped (cluster data kept: tools/edgefleet cluster delete removes it)",
    );
  };
  // The services are child processes: a demo stopped by a signal must not leave them behind.
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));

  let failed = true;
  try {
    const demo = new Demo(client, platform);
    const key = signingKey(join(dir, "pki"));
    const [good, slow] = buildModels();
    if (!good || !slow) throw new Error("the model generator lost a model");
    const baseUrl = `https://${LOCAL_HOST}:${platform.ports.artifacts}`;
    // Each build as ONNX, as the int8 OpenVINO IR the intel-nuc devices run (real OpenVINO tools)
    // and as the int8 .tflite file the rpi5-coral devices run (LiteRT's quantizer).
    const variants = async (onnx: Uint8Array) => ({ onnx, ir: await openvinoInt8Build(onnx), tflite: await tfliteInt8Build(onnx) });
    const builds = { good: await variants(good.bytes), slow: await variants(slow.bytes) };
    const publish = (version: string, build: { onnx: Uint8Array; ir: Uint8Array; tflite: Uint8Array }): Builds => {
      const signed = { dir: platform.registryDir, baseUrl, model: MODEL, version, privateKeyPem: key.privateKeyPem };
      return {
        artifact: publishArtifact({ ...signed, bytes: build.onnx }),
        openvinoArtifact: publishArtifact({ ...signed, bytes: build.ir, file: `${MODEL}-${version}-openvino-int8.tar` }),
        tfliteArtifact: publishArtifact({ ...signed, bytes: build.tflite, file: `${MODEL}-${version}-int8.tflite` }),
      };
    };
    await client.apply(RESOURCES.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, DEMO_FIELD_MANAGER);
    await client.apply(
      RESOURCES.secrets,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: PUBLIC_KEY_REF.name, namespace: NAMESPACE },
        stringData: { [PUBLIC_KEY_REF.key]: key.publicKeyPem },
      },
      DEMO_FIELD_MANAGER,
    );
    const model = (version: string, builds: Builds) =>
      sampleModel({
        namespace: NAMESPACE,
        name: MODEL,
        version,
        ...builds,
        slo: { p95LatencySeconds: 0.25 },
        rollout: {
          steps: [1, 10, 100],
          pauseSeconds: 10,
          analysis: { windowSeconds: 30, minSamples: 20, maxFailures: 1, latencyTolerance: 2 },
        },
      });

    step(4, `${MODEL} ${VERSIONS.first}: signed, verified and served on every device`);
    await resetTrust(client, NAMESPACE, STRANGER);
    await demo.reset();
    await demo.apply(model(VERSIONS.first, publish(VERSIONS.first, builds.good)));
    const nodes = await demo.servedEverywhere(VERSIONS.first);
    say(placementTable([summarize(await demo.model())]));
    say(
      `  ${nodes} devices serve ${VERSIONS.first}; p95 ${[...(await demo.latency())].map(([v, s]) => `${v} ${(s * 1000).toFixed(1)}ms`).join(", ")}`,
    );

    step(5, `${VERSIONS.good} (a good build): staged rollout, gated on the devices' latency`);
    await demo.apply(model(VERSIONS.good, publish(VERSIONS.good, builds.good)));
    const promoted = await demo.follow(VERSIONS.good);
    say(`  => ${promoted.status?.rollout?.phase}: ${promoted.status?.rollout?.reason}`);

    step(6, `${VERSIONS.slow} (a slower build): rolled back automatically`);
    const started = Date.now();
    await demo.apply(model(VERSIONS.slow, publish(VERSIONS.slow, builds.slow)));
    const rolledBack = await demo.follow(VERSIONS.slow);
    say(
      `  => ${rolledBack.status?.rollout?.phase} after ${((Date.now() - started) / 1000).toFixed(0)}s: ${rolledBack.status?.rollout?.reason}`,
    );
    await demo.servedEverywhere(rolledBack.status?.currentVersion ?? VERSIONS.good);
    say(`  every device is back on ${rolledBack.status?.currentVersion}`);

    step(7, "platform trust: the platform team's ModelTrustPolicy decides which keys and sources count");
    const current = rolledBack.status?.currentVersion ?? VERSIONS.good;
    const strangerBuilds = publish(VERSIONS.good, builds.good);
    const elsewhere = (a: PublishedArtifact) => ({ ...a, uri: a.uri.replace(baseUrl, "https://models.elsewhere.example") });
    await trustStep({
      client,
      namespace: NAMESPACE,
      model: MODEL,
      publicKeyPem: key.publicKeyPem,
      source: `${baseUrl}/`,
      stranger: sampleModel({
        namespace: NAMESPACE,
        name: STRANGER,
        version: VERSIONS.good,
        artifact: elsewhere(strangerBuilds.artifact),
        openvinoArtifact: elsewhere(strangerBuilds.openvinoArtifact),
        tfliteArtifact: elsewhere(strangerBuilds.tfliteArtifact),
      }),
      servedAgain: () => demo.servedEverywhere(current),
      say,
    });

    if (values["federated-job"]) {
      step(8, "federated training on the fleet: a FederatedTraining the operator places and follows round by round, its result rolled out");
      await federatedJobStep({ root: ROOT, client, platform, namespace: NAMESPACE, dir, privateKeyPem: key.privateKeyPem, say });
    }
    if (values["model-build"]) {
      step(
        steps - (values["shared-server"] ? 1 : 0),
        "a model build published by the operator: built, measured, signed, pushed, rolled out",
      );
      await modelBuildStep({ root: ROOT, client, platform, namespace: NAMESPACE, dir, privateKeyPem: key.privateKeyPem, say });
    }
    if (values["shared-server"]) {
      step(steps, "two models in one runtime process per device: an EdgeRuntime with serving: Shared");
      await sharedServerStep({ client, platform, namespace: NAMESPACE, privateKeyPem: key.privateKeyPem, say });
    }

    say(`
Where to look:
  export KUBECONFIG=${kubeconfig}
  kubectl get edgemodels -A                      # version, phase, ready per model
  kubectl describe edgemodel -n ${NAMESPACE} ${MODEL}      # rollout status, last analysis, events
  kubectl get federatedtrainings -A              # federated jobs (step 8, --federated-job): rounds, epsilon
  kubectl get edgemodelbuilds -A                 # model builds (--model-build; --federated-job's trained model): per target, Published; -o wide: its version's rollout
  kubectl get modeltrustpolicies                 # the platform's trust policies (step 7 removed ${TRUST_POLICY})
  kubectl get daemonsets -A -l edgefleet.io/runtime-server   # shared runtime servers (--shared-server)
  ${platform.prometheus.url}/alerts                # Prometheus: edgefleet's alert rules
  ${platform.prometheus.url}/graph?g0.expr=histogram_quantile(0.95%2C%20sum%20by%20(version%2C%20le)%20(rate(edgefleet_inference_latency_seconds_bucket%5B1m%5D)))
  curl -s 127.0.0.1:${platform.ports.gateway}/metrics | grep edgefleet_device_up   # the gateway
  dashboards/grafana/*.json                      # import into Grafana, datasource = this Prometheus
  ${platform.collector.file}   # ${platform.collector.spans().length} spans of the operator (OTLP), by trace_id as in its log
  logs: ${platform.logs}`);
    failed = false;
    if (!values.once) {
      say("\nEverything keeps running; Ctrl-C stops it.");
      await new Promise<void>(() => {});
    }
  } finally {
    // On a failure too: the services are child processes that would outlive the demo.
    if (values.once || failed) await stop();
  }
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
