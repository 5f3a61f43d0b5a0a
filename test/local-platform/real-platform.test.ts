import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILD_LABEL,
  DEFAULT_RUNTIMES,
  type EdgeModel,
  type EdgeModelBuild,
  type EdgeRuntime,
  EXPLICIT_MODEL_CONTROL_ARGS,
  IMAGE_NAMES,
  imageReference,
  MODEL_REPOSITORY_DIR,
} from "@edgefleet/api";
import type { HeldLock } from "@edgefleet/kit";
import { certificateAuthority } from "@edgefleet/kit";
import { gatewaySecretData } from "@edgefleet/stacks";
import { buildCnn, buildHeavyModel, buildModels, type CnnSpec, MODEL_SPECS } from "@edgefleet/test-models";
import {
  DIGITS_BUILD_TARGETS,
  digitsBuildSpec,
  inferAt,
  LocalStack,
  loadToolchain,
  oneNodeModel,
  type Prometheus,
  type PublishedArtifact,
  platformPodsReady,
  type RealSite,
  realNodeName,
  servingPod,
  startRealSite,
} from "@edgefleet/tools";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { eventually, rolloutEndedAs } from "../helpers/kube.js";
import { holdRealNodeHost } from "../helpers/real-node.js";
import { ROOT } from "../stacks/local-stack.js";

/*
 * What a platform team deploys, running for real: the images built here and loaded into a real
 * node's containerd, `pulumi up` of the platform as pods on that node (broker, gateway, operator,
 * agent), an EdgeModel served by a runtime pod whose init container pulled its artifact from the
 * site's OCI registry (with the pull Secret's credentials) and verified it, the
 * agent's telemetry scraped by Prometheus from the gateway pod, rollouts judged on it, then
 * `pulumi destroy` with the model still there. The host keeps only what a site keeps outside the
 * cluster: the OCI registry (CNCF Distribution) and Prometheus, on the node's address so pods reach them.
 */

const CLUSTER = "edgefleet-platform";
const NAMESPACE = "edgefleet-system";
const MODELS = "vision";
const MODEL = "detector";
const SITE = "factory-a";
const SEED = randomBytes(32).toString("hex");
const stateDir = inject("stateDir");
const dir = mkdtempSync(join(stateDir, "real-platform-"));
const node = realNodeName(0);
const brokerImage = () => site.images.find((i) => i.name === "mosquitto")?.reference;
const artifacts = new Map<string, PublishedArtifact>();
/** The detector build 1.0.0 serves, published again under another name for the cached cold start. */
let detectorBytes: Uint8Array;
let site: RealSite;
let host: HeldLock;
let kc: KubeConfig;
let core: CoreV1Api;
let stack: LocalStack;
let prometheus: Prometheus;

const objects = () => kc.makeApiClient(CustomObjectsApi);
const model = async () =>
  (await objects().getNamespacedCustomObject({
    group: "edgefleet.io",
    version: "v1alpha1",
    namespace: MODELS,
    plural: "edgemodels",
    name: MODEL,
  })) as EdgeModel;

/** The model's spec at version, its variants' artifact the one published under key. */
function spec(version: string, key = version) {
  const artifact = artifacts.get(key);
  if (!artifact) throw new Error(`no artifact published as ${key}`);
  return oneNodeModel({ namespace: MODELS, name: MODEL, version, artifact }).spec;
}

/** Applies an EdgeModel named name at version, its artifact the one published under key. */
async function create(name: string, version: string, key = version): Promise<void> {
  const body = { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeModel", metadata: { name, namespace: MODELS }, spec: spec(version, key) };
  await objects().createNamespacedCustomObject({
    group: "edgefleet.io",
    version: "v1alpha1",
    namespace: MODELS,
    plural: "edgemodels",
    body,
  });
}

/**
 * Runs check with an EdgeRuntime `runtime` (the catalog's onnx one, changed by change) and an
 * EdgeModel `name` of the detector whose variants only that runtime takes (they ask for its
 * version, which no other runtime ships); both are deleted afterwards.
 */
async function withOwnRuntime(
  runtime: string,
  name: string,
  change: (spec: EdgeRuntime["spec"]) => Partial<EdgeRuntime["spec"]>,
  check: () => Promise<void>,
): Promise<void> {
  const onnx = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "onnx");
  if (!onnx) throw new Error("the catalog lost its onnx runtime");
  const version = "99.0.0";
  const edgeRuntimes = { group: "edgefleet.io", version: "v1alpha1", plural: "edgeruntimes" };
  await objects().createClusterCustomObject({
    ...edgeRuntimes,
    body: {
      ...onnx,
      metadata: { name: runtime },
      spec: { ...onnx.spec, ...change(onnx.spec), supportedFormats: [{ format: "onnx", precisions: ["fp32"], versions: [version] }] },
    },
  });
  artifacts.set(name, await site.publish(name, "1.0.0", detectorBytes));
  const variants = spec("1.0.0", name).variants.map((v) => ({
    ...v,
    requirements: { ...v.requirements, runtimeVersion: { min: version } },
  }));
  const body = {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name, namespace: MODELS },
    spec: { ...spec("1.0.0", name), variants },
  };
  const models = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodels" };
  await objects().createNamespacedCustomObject({ ...models, body });
  try {
    await check();
  } finally {
    await objects().deleteNamespacedCustomObject({ ...models, name });
    await objects().deleteClusterCustomObject({ ...edgeRuntimes, name: runtime });
  }
}

/** The model's Degraded condition once it is PodsNotStarting for a reason matching reasons (a regular expression). */
function podsNotStarting(name: string, reasons: string, timeoutMs: number) {
  return eventually(
    `${name} Degraded PodsNotStarting (${reasons})`,
    async () => {
      const m = (await objects().getNamespacedCustomObject({
        group: "edgefleet.io",
        version: "v1alpha1",
        namespace: MODELS,
        plural: "edgemodels",
        name,
      })) as EdgeModel;
      const d = m.status?.conditions?.find((c) => c.type === "Degraded");
      return d?.status === "True" && d.reason === "PodsNotStarting" && new RegExp(`: (${reasons}): `).test(d.message) ? d : undefined;
    },
    timeoutMs,
  );
}

async function setVersion(version: string): Promise<void> {
  await objects().patchNamespacedCustomObject(
    { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodels", name: MODEL, body: { spec: spec(version) } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

// A rollout waits for 20 samples of the agent's 5 s probes (ONE_NODE_ROLLOUT) before its first analysis.
const ended = (version: string, want: string) => rolloutEndedAs(model, version, want, 420_000);

const platformReady = (namespace: string) =>
  platformPodsReady(core, { namespace, node, timeoutMs: 300_000, progress: (line) => console.log(line) });
const serving = (version: string) => servingPod(core, { namespace: MODELS, model: MODEL, version, node, timeoutMs: 180_000 });
const infer = (pod: V1Pod) => inferAt(pod, MODEL);

/** The version the real node serves, as Prometheus sees it through the gateway pod. */
async function servingInPrometheus(): Promise<string | undefined> {
  const rows = await prometheus.query(
    `max by (version) (rate(edgefleet_inference_requests_total{node="${node}",namespace="${MODELS}",model="${MODEL}"}[10s])) > 0`,
  );
  return rows.length === 1 ? rows[0]?.metric.version : undefined;
}

beforeAll(async () => {
  host = await holdRealNodeHost();
  site = await startRealSite({
    cluster: CLUSTER,
    dir,
    seed: SEED,
    env: { ...process.env, EDGEFLEET_STATE_DIR: stateDir },
    log: (line) => console.log(line),
  });
  kc = new KubeConfig();
  kc.loadFromFile(site.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);

  const [good] = buildModels();
  if (!good) throw new Error("the model generator lost a model");
  const publish = async (version: string, bytes: Uint8Array) => artifacts.set(version, await site.publish(MODEL, version, bytes));
  // Each pushed to the site's OCI registry with its signature; the variants name the pull Secret.
  await publish("1.0.0", good.bytes);
  await publish("1.1.0", buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed: 7 }, "real"));
  await publish("1.2.0", buildHeavyModel());
  await publish("1.3.0", buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed: 99 }, "real"));
  site.tamper(artifacts.get("1.3.0") as PublishedArtifact);
  detectorBytes = good.bytes;
  await site.createModelNamespace(MODELS);

  stack = new LocalStack("real-platform", { stateDir, kubeconfig: site.kubeconfig, namespace: NAMESPACE });
  stack.configure({
    "edgefleet:cluster": { kubeconfig: site.kubeconfig, site: SITE },
    "edgefleet:operator": { replicas: 1, artifactCaBundle: site.artifactCa },
    "edgefleet:broker": { image: brokerImage() },
    "edgefleet:monitoring": { prometheusUrl: site.prometheusUrl, rolloutAnalysis: true },
  });
  stack.init();
  stack.setSecret("edgefleet:mqttPkiSeed", SEED);
  // Waiting for the host can take as long as another file's real-node tests.
}, 2_700_000);

afterAll(async () => {
  stack?.remove();
  await site?.stop();
  rmSync(dir, { recursive: true, force: true });
  host?.release();
}, 180_000);

describe("the platform as pods on a real node", () => {
  it("`pulumi up` runs the broker, gateway, operator and agent as pods on the real node", async () => {
    const up = stack.timed("up", "--yes", "--skip-preview");
    console.log(`pulumi up onto the real node: ${up.seconds.toFixed(1)}s`);
    await platformReady(NAMESPACE);

    prometheus = await site.startPrometheus(NAMESPACE);
  }, 600_000);

  it("serves an EdgeModel from a runtime pod after its init container verified the artifact, answering at the pod's address", async () => {
    const started = Date.now();
    await create(MODEL, "1.0.0");
    const pod = await serving("1.0.0");
    const answer = await infer(pod);
    console.log(`EdgeModel applied to first inference on the real node: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    expect(answer.model_name).toBe(MODEL);
    expect(answer.outputs.length).toBeGreaterThan(0);
    const verify = pod.status?.initContainerStatuses?.find((s) => s.name === "verify-artifact");
    expect(verify?.state?.terminated?.exitCode).toBe(0);

    // A model's cold start once its artifact is in the node's cache (content-addressed): a second
    // model of the same file, signed for its own name, from apply to the first answer.
    const copy = "detector-copy";
    artifacts.set("copy", await site.publish(copy, "1.0.0", detectorBytes));
    const cachedStart = Date.now();
    await create(copy, "1.0.0", "copy");
    const copyPod = await servingPod(core, { namespace: MODELS, model: copy, version: "1.0.0", node, timeoutMs: 120_000 });
    expect((await inferAt(copyPod, copy)).model_name).toBe(copy);
    console.log(
      `EdgeModel applied to first inference on the real node, artifact cached: ${((Date.now() - cachedStart) / 1000).toFixed(1)}s`,
    );
    await objects().deleteNamespacedCustomObject({
      group: "edgefleet.io",
      version: "v1alpha1",
      namespace: MODELS,
      plural: "edgemodels",
      name: copy,
    });
  }, 300_000);

  it("says a runtime pod cannot start when the node cannot pull its EdgeRuntime's image, and what to change", async () => {
    // The catalog's onnx runtime under an image no registry the node reaches has (as a site's
    // TensorRT image is until it builds one), chosen only by a variant that asks for its version.
    const runtime = "onnx-unpulled";
    const image = "ghcr.io/edgefleet/runtime-unpulled:0.0.0";
    const name = "detector-unpulled";
    await withOwnRuntime(
      runtime,
      name,
      () => ({ image }),
      async () => {
        const degraded = await podsNotStarting(name, "ErrImagePull|ImagePullBackOff", 180_000);
        console.log(`Degraded: ${degraded.message}`);
        expect(degraded.message).toMatch(
          new RegExp(
            `^x86-cpu: 1 runtime pod\\(s\\) cannot start; pod ${name}-x86-cpu-\\w+: (ErrImagePull|ImagePullBackOff): container runtime: `,
          ),
        );
        expect(degraded.message).toContain(image);
        expect(degraded.message).toContain(`its nodes cannot pull the image of EdgeRuntime ${runtime}`);
      },
    );
  }, 300_000);

  it("lays out a model repository for a runtime that reads one: served from the pod's read-only copy, probed by the agent as version 1", async () => {
    // The catalog's onnx runtime as a repository runtime (the layout stock Triton reads): it loads
    // the pod's copy, NAME/1/model.onnx, and serves it as version 1. Chosen only by a variant that
    // asks for its version.
    const runtime = "onnx-repository";
    const name = "detector-repository";
    const args = (onnx: EdgeRuntime["spec"]) =>
      (onnx.args ?? []).map((a) =>
        a.startsWith("--model-path=")
          ? `--model-path=${MODEL_REPOSITORY_DIR}/${name}/1/model.onnx`
          : a.startsWith("--model-version=")
            ? "--model-version=1"
            : a,
      );
    await withOwnRuntime(
      runtime,
      name,
      (onnx) => ({ args: args(onnx), modelRepository: { layout: "triton" } }),
      async () => {
        const pod = await servingPod(core, { namespace: MODELS, model: name, version: "1.0.0", node, timeoutMs: 180_000 });
        expect(pod.metadata?.annotations?.["edgefleet.io/runtime"]).toBe(runtime);
        expect(await inferAt(pod, name)).toMatchObject({ model_name: name, model_version: "1" });
        const mounts = pod.spec?.containers[0]?.volumeMounts ?? [];
        expect(mounts.find((m) => m.mountPath === MODEL_REPOSITORY_DIR)?.readOnly).toBe(true);
        expect(pod.spec?.volumes?.find((v) => v.name === "model-repository")?.emptyDir).toBeDefined();
        // The agent probes what its assignment names, version 1, and reports the model's version.
        const probed = await eventually(
          `the agent's probes of ${name} in Prometheus`,
          async () => {
            const rows = await prometheus.query(
              `max by (version) (rate(edgefleet_inference_requests_total{node="${node}",namespace="${MODELS}",model="${name}"}[10s])) > 0`,
            );
            return rows.length === 1 ? rows[0]?.metric.version : undefined;
          },
          120_000,
        );
        expect(probed).toBe("1.0.0");
      },
    );
  }, 300_000);

  it("serves two models from one shared runtime process on the real node, and rolls one without restarting it", async () => {
    // The catalog's onnx runtime with serving: Shared: one cpu-runtime pod on the node under
    // explicit model control; each model's pod runs the model loader from the edge-agent image.
    const onnx = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "onnx");
    if (!onnx) throw new Error("the catalog lost its onnx runtime");
    const runtime = "onnx-shared";
    const runtimeVersion = "98.0.0";
    const edgeRuntimes = { group: "edgefleet.io", version: "v1alpha1", plural: "edgeruntimes" };
    const models = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodels" };
    await objects().createClusterCustomObject({
      ...edgeRuntimes,
      body: {
        ...onnx,
        metadata: { name: runtime },
        spec: {
          ...onnx.spec,
          args: EXPLICIT_MODEL_CONTROL_ARGS,
          supportedFormats: [{ format: "onnx", precisions: ["fp32"], versions: [runtimeVersion] }],
          serving: "Shared",
        },
      },
    });
    // Variants only this runtime takes (they ask for its version, which no other runtime ships).
    const sharedSpec = (name: string, version: string) => {
      const base = spec(version, `${name}@${version}`);
      return {
        ...base,
        variants: base.variants.map((v) => ({ ...v, requirements: { ...v.requirements, runtimeVersion: { min: runtimeVersion } } })),
      };
    };
    const names = ["shared-a", "shared-b"];
    for (const name of names) artifacts.set(`${name}@1.0.0`, await site.publish(name, "1.0.0", detectorBytes));
    artifacts.set(
      "shared-a@1.1.0",
      await site.publish("shared-a", "1.1.0", buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed: 11 }, "shared")),
    );
    const serverPods = async () =>
      (await core.listNamespacedPod({ namespace: MODELS, labelSelector: "edgefleet.io/runtime-server" })).items.filter(
        (p) => !p.metadata?.deletionTimestamp,
      );
    try {
      for (const name of names)
        await objects().createNamespacedCustomObject({
          ...models,
          body: {
            apiVersion: "edgefleet.io/v1alpha1",
            kind: "EdgeModel",
            metadata: { name, namespace: MODELS },
            spec: sharedSpec(name, "1.0.0"),
          },
        });
      const pods = await Promise.all(
        names.map((name) => servingPod(core, { namespace: MODELS, model: name, version: "1.0.0", node, timeoutMs: 240_000 })),
      );
      for (const [i, pod] of pods.entries()) {
        expect(pod.spec?.containers[0]?.name).toBe("model-loader");
        expect((await inferAt(pod, names[i] as string)).outputs?.length).toBeGreaterThan(0);
      }
      const [server, ...others] = await serverPods();
      expect(others).toEqual([]);
      expect(server?.spec?.nodeName).toBe(node);
      const serverUid = server?.metadata?.uid;

      // A new version of one model: its loader pod loads it into the same server process.
      await objects().patchNamespacedCustomObject(
        { ...models, name: "shared-a", body: { spec: sharedSpec("shared-a", "1.1.0") } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      const next = await servingPod(core, { namespace: MODELS, model: "shared-a", version: "1.1.0", node, timeoutMs: 240_000 });
      expect((await inferAt(next, "shared-a")).outputs?.length).toBeGreaterThan(0);
      expect((await inferAt(pods[1] as V1Pod, "shared-b")).outputs?.length).toBeGreaterThan(0);
      const [same] = await serverPods();
      expect(same?.metadata?.uid).toBe(serverUid);
      expect(same?.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    } finally {
      for (const name of names)
        await objects()
          .deleteNamespacedCustomObject({ ...models, name })
          .catch(() => {});
      await eventually(
        "the shared server deleted with its last model",
        async () => ((await serverPods()).length === 0 ? true : undefined),
        120_000,
      );
      await objects().deleteClusterCustomObject({ ...edgeRuntimes, name: runtime });
    }
  }, 600_000);

  it("says a runtime pod crash-loops when its runtime cannot load the model, and where its log is", async () => {
    // Signed and verified, but not an ONNX model: the init container passes it, the runtime exits 1
    // loading it, and the kubelet backs off restarting it while the pod stays Running.
    const name = "detector-unloadable";
    artifacts.set(name, await site.publish(name, "1.0.0", new TextEncoder().encode("not an ONNX model\n")));
    const started = Date.now();
    await create(name, "1.0.0", name);
    const models = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodels" };
    try {
      const degraded = await podsNotStarting(name, "CrashLoopBackOff", 240_000);
      console.log(`Degraded ${((Date.now() - started) / 1000).toFixed(1)}s after the model was applied: ${degraded.message}`);
      const pod = `${name}-x86-cpu-\\w{5}`;
      expect(degraded.message).toMatch(
        new RegExp(
          `^x86-cpu: 1 runtime pod\\(s\\) cannot start; pod ${pod}: CrashLoopBackOff: container runtime.*; last exit code 1 \\(Error\\): see its log: kubectl logs -n ${MODELS} ${pod} -c runtime --previous$`,
        ),
      );
    } finally {
      await objects().deleteNamespacedCustomObject({ ...models, name });
    }
  }, 300_000);

  it("runs an EdgeModelBuild as a Job in the model-build image on the real node, each target measured in status", async () => {
    // The digits MLP and its data, published to the site's registry as a team would.
    const spec = await digitsBuildSpec(site, { dir: join(dir, "digits"), version: "1.0" });
    const builds = { group: "edgefleet.io", version: "v1alpha1", namespace: MODELS, plural: "edgemodelbuilds" };
    const started = Date.now();
    await objects().createNamespacedCustomObject({
      ...builds,
      body: { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeModelBuild", metadata: { name: "digits" }, spec },
    });
    try {
      const built = await eventually(
        "the build's results in status",
        async () => {
          const b = (await objects().getNamespacedCustomObject({ ...builds, name: "digits" })) as EdgeModelBuild;
          return b.status?.conditions?.some((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True") ? b : undefined;
        },
        480_000,
      );
      console.log(`EdgeModelBuild applied to its results in status on the real node: ${((Date.now() - started) / 1000).toFixed(1)}s`);
      for (const t of built.status?.targets ?? []) console.log(`  ${JSON.stringify(t)}`);
      const ready = built.status?.conditions?.find((c) => c.type === "Ready");
      expect(`${ready?.status} ${ready?.reason}`, JSON.stringify(built.status?.conditions)).toBe("True Built");
      expect(built.status?.targets?.map((t) => `${t.target} ${t.verdict}`)).toEqual(DIGITS_BUILD_TARGETS.map((t) => `${t} Built`));
      for (const t of built.status?.targets ?? []) expect(t.accuracyPercent).toBeGreaterThan(90);
      const [pod] = (await core.listNamespacedPod({ namespace: MODELS, labelSelector: `${BUILD_LABEL}=digits` })).items;
      expect(pod?.spec?.nodeName).toBe(node);
      expect(pod?.spec?.containers[0]?.image).toBe(imageReference(IMAGE_NAMES.modelBuild));
      expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    } finally {
      await objects().deleteNamespacedCustomObject({ ...builds, name: "digits" });
    }
  }, 720_000);

  it("shows the agent pod's telemetry for the real node in Prometheus, scraped from the gateway pod", async () => {
    await eventually(
      "the real node serving 1.0.0 in Prometheus",
      async () => ((await servingInPrometheus()) === "1.0.0" ? true : undefined),
      120_000,
    );
    const [up] = await prometheus.query(`edgefleet_device_up{node="${node}"}`);
    expect(up?.metric.job).toBe("edgefleet-telemetry-gateway");
    expect(Number(up?.value[1])).toBe(1);
  }, 180_000);

  it("rolls a new version out and a slower one back on the real node", async () => {
    await setVersion("1.1.0");
    await ended("1.1.0", "Promoted");
    await serving("1.1.0");
    await setVersion("1.2.0");
    const rolledBack = await ended("1.2.0", "RolledBack");
    expect(rolledBack.status?.rollout?.reason).toMatch(/latency/i);
    await infer(await serving("1.1.0"));
  }, 1_200_000);

  it("refuses a tampered artifact in the init container; the node returns to its version", async () => {
    await setVersion("1.3.0");
    const rolledBack = await ended("1.3.0", "RolledBack");
    expect(rolledBack.status?.rollout?.reason).toMatch(/digest-mismatch/);
    await infer(await serving("1.1.0"));
  }, 400_000);

  it("`pulumi destroy` with the EdgeModel still there finishes and leaves no edgefleet object", async () => {
    const destroy = stack.timed("destroy", "--yes", "--skip-preview");
    console.log(`pulumi destroy with an EdgeModel present: ${destroy.seconds.toFixed(1)}s`);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    expect((await ext.listCustomResourceDefinition({ labelSelector: "app.kubernetes.io/part-of=edgefleet" })).items).toEqual([]);
    await eventually(
      "the model's runtime pods gone",
      async () => {
        const left = (await core.listNamespacedPod({ namespace: MODELS })).items;
        return left.length === 0 ? true : undefined;
      },
      120_000,
    );
    expect((await kc.makeApiClient(AppsV1Api).listNamespacedDaemonSet({ namespace: MODELS })).items).toEqual([]);
  }, 600_000);
});

describe("the platform installed with Helm on the real node", () => {
  const namespace = "edgefleet-helm";
  const helmHome = join(dir, "helm");
  const helm = (...args: string[]) => {
    const r = spawnSync(loadToolchain().bin("helm"), args, {
      env: {
        ...process.env,
        KUBECONFIG: site.kubeconfig,
        HELM_CACHE_HOME: join(helmHome, "cache"),
        HELM_CONFIG_HOME: join(helmHome, "config"),
        HELM_DATA_HOME: join(helmHome, "data"),
      },
      encoding: "utf8",
      timeout: 420_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  };

  it("`helm install` runs the platform as pods that serve an EdgeModel on the real node", async () => {
    // The Secrets the chart expects (docs/helm.md), from the same site CA as the node's identity.
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const ca = certificateAuthority(SEED);
    const tls = (name: string, issued: { cert: string; key: string; ca: string }) =>
      core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name },
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": issued.cert, "tls.key": issued.key, "ca.crt": issued.ca },
        },
      });
    await tls("edgefleet-mqtt-tls", ca.issue("edgefleet-mqtt", [`edgefleet-mqtt.${namespace}.svc`]));
    // The operator's, with which it publishes the node's runtimes to the agent.
    await tls("edgefleet-operator-mqtt", ca.issue("edgefleet-operator"));
    // One identity per gateway replica (the chart's default is one) and the retire command's.
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "edgefleet-gateway-mqtt" }, stringData: gatewaySecretData((cn) => ca.issue(cn), 1) },
    });
    const values = join(dir, "values.yaml");
    writeFileSync(
      values,
      stringify({
        site: SITE,
        operator: { replicas: 1, artifactCaBundle: site.artifactCa },
        broker: { image: brokerImage() },
        monitoring: { rolloutAnalysis: false },
      }),
    );
    const started = Date.now();
    const install = helm(
      "install",
      "edgefleet",
      join(ROOT, "deploy/helm/edgefleet"),
      "--namespace",
      namespace,
      "--values",
      values,
      "--wait",
      "--timeout",
      "5m",
    );
    expect(install.status, install.output).toBe(0);
    console.log(`helm install --wait onto the real node: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    await platformReady(namespace);

    await create(MODEL, "1.1.0");
    await infer(await serving("1.1.0"));
  }, 1_200_000);

  it("`helm uninstall` with the EdgeModel still there finishes and leaves no edgefleet object", async () => {
    const started = Date.now();
    // --wait=legacy: see test/helm/chart.test.ts (helm/helm#31766).
    const uninstall = helm("uninstall", "edgefleet", "--namespace", namespace, "--wait=legacy", "--timeout", "5m");
    expect(uninstall.status, uninstall.output).toBe(0);
    console.log(`helm uninstall --wait with an EdgeModel present: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    expect((await ext.listCustomResourceDefinition({ labelSelector: "app.kubernetes.io/part-of=edgefleet" })).items).toEqual([]);
    await eventually(
      "the model's runtime pods gone",
      async () => ((await core.listNamespacedPod({ namespace: MODELS })).items.length === 0 ? true : undefined),
      120_000,
    );
    const apps = kc.makeApiClient(AppsV1Api);
    const left = [
      ...(await apps.listNamespacedDeployment({ namespace })).items,
      ...(await apps.listNamespacedStatefulSet({ namespace })).items,
      ...(await apps.listNamespacedDaemonSet({ namespace })).items,
      ...(await apps.listNamespacedDaemonSet({ namespace: MODELS })).items,
    ];
    expect(left.map((o) => o.metadata?.name)).toEqual([]);
  }, 600_000);
});
