import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeModel, type EdgeModelBuild, type EdgeModelBuildSpec, edgeModel, variant } from "@edgefleet/api";
import { generateSigningKey, pushArtifact } from "@edgefleet/edge-agent";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { BuildPods, loadToolchain, type OciRegistry, startOciRegistry } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRegistry, type TestRegistry } from "../artifacts/oci-registry.js";
import { startServer, type TestServer } from "../artifacts/server.js";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { GROUP_PATH, installApi } from "../operator/install.js";
import { OperatorProcess } from "../operator/operator-process.js";
import { rawRequest } from "../operator/raw-api.js";
import { type OperatorIdentity, operatorIdentity } from "../operator/service-account.js";
import { installVariant, MODEL_CLI, runScript } from "./model-cli.js";

/*
 * An EdgeModelBuild on the local platform: the real API server, the real operator (as its own
 * ServiceAccount, under the RBAC the platform deploys), and the fleet
 * simulator's build-pod runner, which runs the Job's pod on a kwok node as the real build process
 * (tools/edgefleet model job: fetch from an HTTPS server, tools/edgefleet model build on the Python
 * tools venv). The digits MLP is built as itself and as static int8 calibrated on zeros, which the
 * accuracy gate refuses. With spec.publish, the build pod signs and pushes the builds to the real
 * registry (CNCF Distribution, HTTPS with a private CA, credentials) and the operator applies the
 * EdgeModel's new version; each variant then installs as a device's verifier checks it.
 */

const { kc, core } = testCluster();
const kubeconfig = inject("kubeconfig");
let ns: string;
let work: string;
let server: TestServer;
let operator: OperatorProcess;
let pods: BuildPods;
let client: KubeClient;
let node: string;
let registry: TestRegistry;
/** A registry without TLS, which the operator's --artifact-plain-http-registries names. */
let plain: OciRegistry;
let identity: OperatorIdentity | undefined;
const key = generateSigningKey();

const builds = () => `${GROUP_PATH}/namespaces/${ns}/edgemodelbuilds`;
const served = (name: string) => {
  const body = readFileSync(join(work, name));
  server.routes.set(`/${name}`, { body });
  return { uri: `${server.origin}/${name}`, sha256: createHash("sha256").update(body).digest("hex"), sizeBytes: body.length };
};

/** The digits example and zeros shaped like its calibration data, in work. */
async function example(): Promise<void> {
  const made = await runScript(MODEL_CLI, ["example", "--out", work]);
  expect(made.code, made.stderr).toBe(0);
  // Zeros as calibration: real digits then saturate the int8 activations (test/model-build/digits.test.ts).
  const zeros = "import sys, numpy as np; d = np.load(sys.argv[1]); np.savez(sys.argv[2], inputs=np.zeros_like(d['inputs']))";
  await new Promise<void>((resolve, reject) =>
    execFile(loadToolchain().bin("venv-python"), ["-c", zeros, join(work, "digits-calibration.npz"), join(work, "zeros.npz")], (err) =>
      err ? reject(err) : resolve(),
    ),
  );
}

async function platform(): Promise<void> {
  server = await startServer();
  registry = await startTestRegistry(join(work, "registry"));
  plain = await startOciRegistry({ dir: join(work, "plain-registry") });
  // One bundle for the operator's --artifact-ca-bundle: the inputs' HTTPS server and the registry the builds are pushed to.
  writeFileSync(join(work, "ca.pem"), `${server.ca}\n${registry.ca}`);
  await installApi(kc);
  ns = await freshNamespace(core, "build");
  // Under exactly the RBAC the platform deploys, as its ServiceAccount: not the test's admin kubeconfig.
  identity = await operatorIdentity(kc, ns);
  operator = new OperatorProcess({
    kubeconfig: identity.kubeconfig,
    namespace: ns,
    identity: "build-1",
    extra: ["--artifact-ca-bundle", join(work, "ca.pem"), "--artifact-plain-http-registries", plain.address],
  });
  await operator.waitForLog("build controller started");
  client = new KubeClient({ credentials: await loadCredentials(kubeconfig) });
  // The simulator's build node, selected by the builds' nodeSelector: a node of this suite's own.
  node = `${ns}-builder`;
  pods = new BuildPods({
    client,
    node,
    labels: { "edgefleet.io/fleet-profile": ns },
    dir: work,
    log: silentLogger,
    metrics: { restarted: () => {}, event: () => {}, objects: () => {} },
  });
  await pods.start();
}

// Training the example takes a minute and more on a loaded machine: the platform starts meanwhile.
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edgefleet-build-operator-"));
  await Promise.all([example(), platform()]);
}, 420_000);

afterAll(async () => {
  await pods?.stop();
  await operator?.stop();
  await identity?.remove();
  await registry?.stop();
  await plain?.service.dispose();
  client?.close();
  await server?.close();
  if (node) await core.deleteNode({ name: node }).catch(() => {});
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

const spec = (over: Partial<EdgeModelBuildSpec> = {}): EdgeModelBuildSpec => ({
  model: "digits",
  version: "2.0",
  source: served("digits-mlp.onnx"),
  calibration: served("zeros.npz"),
  evaluation: served("digits-evaluation.npz"),
  targets: ["onnx-fp32", "onnx-int8-static"],
  maxAccuracyDropPoints: 1,
  nodeSelector: { "edgefleet.io/fleet-profile": ns },
  ...over,
});

const create = (name: string, s: unknown) =>
  rawRequest(kc, {
    method: "POST",
    path: builds(),
    body: { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeModelBuild", metadata: { name }, spec: s },
  });

describe("an EdgeModelBuild", () => {
  it("runs as a Job on the build's node: each target's measurements in status, the zeros-calibrated int8 refused with its numbers, Events", async () => {
    const res = await create("digits", spec());
    expect(res.status, res.body.message).toBe(201);
    const built = await eventually(
      "the build's results in status",
      async () => {
        const { body } = await rawRequest(kc, { method: "GET", path: `${builds()}/digits` });
        const b = body as unknown as EdgeModelBuild;
        // Built, or failed: either way the wait is over (and the failure's message shows below).
        return b.status?.conditions?.some((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True") ? b : undefined;
      },
      420_000,
    );
    expect(built.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "Built" });
    expect(built.status).toMatchObject({ observedGeneration: 1, job: "digits-1", evaluationSamples: 540, calibrationSamples: 179 });
    const [source, int8] = built.status?.targets ?? [];
    expect(source).toMatchObject({ target: "onnx-fp32", verdict: "Built", accuracyDropPoints: 0 });
    expect(source?.accuracyPercent).toBeGreaterThan(95);
    expect(source?.sizeBytes).toBeGreaterThan(100_000);
    expect(source?.p95LatencySeconds).toBeGreaterThanOrEqual(source?.p50LatencySeconds ?? 0);
    expect(int8).toMatchObject({ target: "onnx-int8-static", verdict: "Refused" });
    expect(int8?.accuracyDropPoints).toBeGreaterThan(10);
    expect(int8?.reason).toMatch(/^accuracy [\d.]+% is [\d.]+ points below the source's [\d.]+%, more than spec.maxAccuracyDropPoints 1$/);
    expect(built.status?.conditions?.find((c) => c.type === "Degraded")).toMatchObject({ status: "True", reason: "TargetsRefused" });

    const reasons = await eventually("the build's Events", async () => {
      const { body } = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
      const found = ((body.items ?? []) as { reason?: string; regarding?: { name?: string } }[])
        .filter((e) => e.regarding?.name === "digits")
        .map((e) => e.reason);
      return found.includes("Built") && found.includes("TargetRefused") ? found : undefined;
    });
    expect(reasons).toEqual(expect.arrayContaining(["BuildStarted", "Built", "TargetRefused"]));
  }, 480_000);

  it("says why its pod cannot start, as the real scheduler says it (no node fits its nodeSelector), with what to change and a Warning", async () => {
    const res = await create("nowhere", spec({ nodeSelector: { "edgefleet.io/build-node": "nowhere" } }));
    expect(res.status, res.body.message).toBe(201);
    const stuck = await eventually("the build's pod reported not starting", async () => {
      const { body } = await rawRequest(kc, { method: "GET", path: `${builds()}/nowhere` });
      const progressing = (body as unknown as EdgeModelBuild).status?.conditions?.find((c) => c.type === "Progressing");
      return progressing?.reason === "PodNotStarting" ? progressing : undefined;
    });
    expect(stuck.status).toBe("True");
    expect(stuck.message).toMatch(/^Job nowhere-1: pod nowhere-1-\S+ cannot start: Unschedulable: 0\/\d+ nodes are available: /);
    expect(stuck.message).toContain("didn't match Pod's node affinity/selector");
    expect(stuck.message).toMatch(/spec.nodeSelector and spec.tolerations choose the build's node$/);
    let seen = "none yet";
    await eventually("the BuildPodNotStarting Event", async () => {
      const { body } = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
      const found = ((body.items ?? []) as { type?: string; reason?: string; regarding?: { name?: string } }[]).filter(
        (e) => e.regarding?.name === "nowhere" && e.reason === "BuildPodNotStarting",
      );
      seen = JSON.stringify(found);
      return found.length === 1 && found[0]?.type === "Warning" ? found : undefined;
    }).catch((err: Error) => {
      const warnings = operator?.logs.filter((l) => l.level !== "info" && l.level !== "debug").slice(-5);
      throw new Error(`${err.message}; its Events: ${seen}; the operator's last warnings: ${JSON.stringify(warnings)}`);
    });
    expect((await rawRequest(kc, { method: "DELETE", path: `${builds()}/nowhere` })).status).toBe(200);
  });

  it("is refused by the API server naming the field, for a target it does not build or calibrated targets without calibration data", async () => {
    const bad = await create("bad-target", { ...spec(), targets: ["tensorrt-fp16"] });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("spec.targets[0]");
    const { calibration: _, ...uncalibrated } = spec();
    const missing = await create("no-calibration", uncalibrated);
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain("spec.calibration");
    expect(missing.body.message).toContain("set calibration, or leave them out of targets");
  });
});

describe("an EdgeModelBuild with spec.publish", () => {
  const events = async (name: string) => {
    const { body } = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
    return ((body.items ?? []) as { reason?: string; note?: string; regarding?: { name?: string } }[]).filter(
      (e) => e.regarding?.name === name,
    );
  };
  const ended = (name: string, timeoutMs = 420_000) =>
    eventually(
      `build ${name} ended`,
      async () => {
        const { body } = await rawRequest(kc, { method: "GET", path: `${builds()}/${name}` });
        const b = body as unknown as EdgeModelBuild;
        return b.status?.conditions?.some((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True") ? b : undefined;
      },
      timeoutMs,
    );
  const secret = (name: string, type: string, data: Record<string, string>) =>
    rawRequest(kc, {
      method: "POST",
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: { apiVersion: "v1", kind: "Secret", metadata: { name }, type, stringData: data },
    });
  /** The edge agent's verifier, as the verify-artifact init container runs it: size, digest, v2 signature for the model's version. */
  const expectInstalls = async (model: EdgeModel, v: EdgeModel["spec"]["variants"][number]) => {
    const cacheDir = mkdtempSync(join(work, "install-"));
    const auth = { ca: registry.ca, authFile: registry.deviceAuth };
    const installed = await installVariant({ cacheDir, model, variant: v, publicKeyPem: key.publicKeyPem, ...auth });
    expect(installed.code, `${v.name}: ${installed.stdout}${installed.stderr}`).toBe(0);
  };
  /** Version 1.0 of an EdgeModel as the team has it: the source for CPUs, which a build's onnx-fp32 replaces. */
  const createBaseModel = async (name: string) => {
    const base = edgeModel({ version: "1.0", variants: [variant("onnx-fp32", "onnx", "fp32", ["cpu"])] }, name);
    const created = await rawRequest(kc, {
      method: "POST",
      path: `${GROUP_PATH}/namespaces/${ns}/edgemodels`,
      body: { ...base, metadata: { name } },
    });
    expect(created.status, created.body.message).toBe(201);
  };
  const publish = (signingKey = "model-signing") => ({
    to: `oci://${registry.address}/models/digits`,
    signingKeyRef: { name: signingKey, key: "ed25519.pem" },
    registryAuthRef: { name: "registry-push" },
    publicKeyRef: { name: "model-signing-public", key: "ed25519.pub" },
  });

  it("pushes each built target signed to the registry and applies the EdgeModel's new version, each variant installing as a device verifies it", async () => {
    expect((await secret("model-signing", "Opaque", { "ed25519.pem": key.privateKeyPem })).status).toBe(201);
    const auth = readFileSync(registry.publisherAuth, "utf8");
    expect((await secret("registry-push", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": auth })).status).toBe(201);
    await createBaseModel("digits");

    const res = await create(
      "digits-published",
      spec({ calibration: served("digits-calibration.npz"), targets: ["onnx-fp32", "openvino-int8"], publish: publish() }),
    );
    expect(res.status, res.body.message).toBe(201);
    const built = await ended("digits-published");
    const published = built.status?.conditions?.find((c) => c.type === "Published");
    expect(published, JSON.stringify(built.status?.conditions)).toMatchObject({
      status: "True",
      reason: "Published",
      message: `EdgeModel ${ns}/digits is at version 2.0 with openvino-int8, onnx-fp32`,
    });
    const pushed = built.status?.published?.variants ?? [];
    expect(pushed.map((v) => v.name)).toEqual(["openvino-int8", "onnx-fp32"]);
    for (const v of pushed) expect(v.uri).toMatch(new RegExp(`^oci://${registry.address}/models/digits@sha256:[a-f0-9]{64}$`));

    const { body } = await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/digits` });
    const model = body as unknown as EdgeModel;
    expect(model.spec.version).toBe("2.0");
    expect(model.spec.variants.map((v) => [v.name, v.artifact.uri, v.artifact.sha256, v.artifact.sizeBytes])).toEqual(
      pushed.map((v) => [v.name, v.uri, v.sha256, v.sizeBytes]),
    );
    const measured = (name: string) => built.status?.targets?.find((t) => t.target === name);
    for (const v of model.spec.variants) {
      expect(v.artifact.signature?.publicKeyRef).toEqual({ name: "model-signing-public", key: "ed25519.pub" });
      expect(v.profile?.accuracy?.percent).toBe(measured(v.name)?.accuracyPercent);
      expect(v.profile?.p95LatencySeconds).toBe(measured(v.name)?.p95LatencySeconds);
      await expectInstalls(model, v);
    }
    // The build follows its version on the fleet: the EdgeModel's rollout of 2.0 (this suite runs no devices and no
    // Prometheus, so it goes no further than its first step) in status.fleet, and RolledOut not decided yet.
    const following = await eventually("the build following the rollout of 2.0", async () => {
      const [{ body: b }, { body: m }] = await Promise.all([
        rawRequest(kc, { method: "GET", path: `${builds()}/digits-published` }),
        rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/digits` }),
      ]);
      const fleet = (b as unknown as EdgeModelBuild).status?.fleet;
      const rollout = (m as unknown as EdgeModel).status?.rollout;
      return fleet && rollout?.targetVersion === "2.0" && fleet.phase === rollout.phase && fleet.reason === rollout.reason
        ? (b as unknown as EdgeModelBuild)
        : undefined;
    });
    expect(following.status?.fleet).toMatchObject({ version: "2.0", step: 0 });
    expect(following.status?.conditions?.find((c) => c.type === "RolledOut")).toMatchObject({ status: "Unknown", reason: "RollingOut" });
    const reasons = await eventually("the Published Event", async () => {
      const found = (await events("digits-published")).map((e) => e.reason);
      return found.includes("Published") ? found : undefined;
    });
    expect(reasons).toContain("Built");
  }, 480_000);

  it("builds from a source in a registry that wants credentials, pulled with spec.source.pullSecretRef", async () => {
    // The onnx-fp32 the previous build published: a source as a team's registry holds it.
    const { body } = await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/digits` });
    const fp32 = (body as unknown as EdgeModel).spec.variants.find((v) => v.name === "onnx-fp32");
    if (!fp32) throw new Error("the published build's onnx-fp32 variant is missing: the previous test failed");
    const { uri, sha256, sizeBytes } = fp32.artifact;
    const deviceAuth = readFileSync(registry.deviceAuth, "utf8");
    expect((await secret("registry-pull", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": deviceAuth })).status).toBe(201);
    const source = { uri, sha256, sizeBytes, pullSecretRef: { name: "registry-pull" } };
    expect((await create("from-registry", spec({ source, targets: ["onnx-fp32"] }))).status).toBe(201);
    const built = await ended("from-registry");
    expect(
      built.status?.conditions?.find((c) => c.type === "Ready"),
      JSON.stringify(built.status?.conditions),
    ).toMatchObject({
      status: "True",
      reason: "Built",
    });
    expect(built.status?.targets?.[0]).toMatchObject({ target: "onnx-fp32", verdict: "Built", sizeBytes });
    // A Secret that is not there: the build says which field names it, and fetches nothing.
    const absent = { ...source, pullSecretRef: { name: "absent-pull" } };
    expect((await create("no-pull-secret", spec({ source: absent, targets: ["onnx-fp32"] }))).status).toBe(201);
    const failed = await ended("no-pull-secret", 120_000);
    expect(failed.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "BuildFailed",
      message: expect.stringContaining("spec.source.pullSecretRef: Secret absent-pull has no key .dockerconfigjson, or does not exist"),
    });
    // A source that is not an ONNX model: the build's own words, not only its exit code.
    writeFileSync(join(work, "not-a-model.onnx"), "not a model");
    expect((await create("not-onnx", spec({ source: served("not-a-model.onnx"), targets: ["onnx-fp32"] }))).status).toBe(201);
    const junk = await ended("not-onnx", 120_000);
    expect(junk.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "BuildFailed",
      message: expect.stringMatching(/tools\/edgefleet model build exited with 1: --model \S+ is not an ONNX model \(DecodeError: /),
    });
    // build.py's reason is the last word, not followed by the CLI repeating that build.py exited with 1.
    expect(junk.status?.conditions?.find((c) => c.type === "Stalled")?.message).not.toContain("build.py build exited");
  }, 480_000);

  it("pulls its source from and publishes to a registry without TLS that the operator names in --artifact-plain-http-registries", async () => {
    // The source as a site's registry without TLS holds it (anonymous: this registry has no users).
    const source = await pushArtifact({
      file: join(work, "digits-mlp.onnx"),
      to: `oci://${plain.address}/sources/digits:1.0`,
      plainHttp: true,
    });
    await createBaseModel("digits-plain");
    const { registryAuthRef: _, ...anonymous } = publish();
    const res = await create(
      "digits-plain-http",
      spec({
        model: "digits-plain",
        source: { uri: source.uri, sha256: source.sha256, sizeBytes: source.sizeBytes },
        targets: ["onnx-fp32"],
        publish: { ...anonymous, to: `oci://${plain.address}/models/digits-plain` },
      }),
    );
    expect(res.status, res.body.message).toBe(201);
    const built = await ended("digits-plain-http");
    expect(
      built.status?.conditions?.find((c) => c.type === "Published"),
      JSON.stringify(built.status?.conditions),
    ).toMatchObject({
      status: "True",
      message: `EdgeModel ${ns}/digits-plain is at version 2.0 with onnx-fp32`,
    });
    expect(built.status?.published?.variants?.map((v) => v.uri)).toEqual([
      expect.stringMatching(new RegExp(`^oci://${plain.address}/models/digits-plain@sha256:[a-f0-9]{64}$`)),
    ]);
  }, 480_000);

  it("carries the variants no build replaces into the new version, verified with their own key, signed again; refuses ones that do not verify, pushing nothing", async () => {
    // Version 2.0 as the first test published it, its files behind the registry's credentials
    // (registry-pull, made by the previous test): each variant names the Secret to pull with.
    const path = `${GROUP_PATH}/namespaces/${ns}/edgemodels/digits`;
    const current = (await rawRequest(kc, { method: "GET", path })).body as unknown as EdgeModel;
    if (current.spec.version !== "2.0") throw new Error("the published build's version 2.0 is missing: the first test failed");
    const variants = current.spec.variants.map((v) => ({ ...v, artifact: { ...v.artifact, pullSecretRef: { name: "registry-pull" } } }));
    const put = await rawRequest(kc, { method: "PUT", path, body: { ...current, spec: { ...current.spec, variants } } });
    expect(put.status, put.body.message).toBe(200);
    // The key the 2.0 variants name, holding another key: they do not verify, and nothing is carried or pushed.
    const other = generateSigningKey();
    expect((await secret("model-signing-public", "Opaque", { "ed25519.pub": other.publicKeyPem })).status).toBe(201);
    const carrySpec = (timeoutSeconds: number) =>
      spec({ targets: ["onnx-int8-dynamic"], version: "3.0", publish: publish(), timeoutSeconds });
    expect((await create("carry", carrySpec(1800))).status).toBe(201);
    const refused = await ended("carry");
    expect(refused.status?.conditions?.find((c) => c.type === "Published")).toMatchObject({
      status: "False",
      reason: "CarryRefused",
      message: expect.stringMatching(
        /^carrying the EdgeModel's variants: variant openvino-int8: its artifact does not verify as version 2\.0's/,
      ),
    });
    const still = (await rawRequest(kc, { method: "GET", path })).body as unknown as EdgeModel;
    expect(still.spec.version).toBe("2.0");

    // The right key, and the build run again (a new generation of its spec).
    const fixed = await rawRequest(kc, {
      method: "PUT",
      path: `/api/v1/namespaces/${ns}/secrets/model-signing-public`,
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "model-signing-public" },
        stringData: { "ed25519.pub": key.publicKeyPem },
      },
    });
    expect(fixed.status, fixed.body.message).toBe(200);
    const again = await rawRequest(kc, {
      method: "PATCH",
      path: `${builds()}/carry`,
      body: { spec: { timeoutSeconds: 1700 } },
      contentType: "application/merge-patch+json",
    });
    expect(again.status, again.body.message).toBe(200);
    const built = await eventually("the build's second generation published", async () => {
      const b = await ended("carry");
      return b.status?.observedGeneration === 2 && b.status.conditions?.some((c) => c.type === "Published" && c.status === "True")
        ? b
        : undefined;
    });
    const carried = built.status?.published?.carried ?? [];
    expect(carried.map((c) => c.name)).toEqual(["openvino-int8", "onnx-fp32"]);
    expect(built.status?.conditions?.find((c) => c.type === "Published")?.message).toBe(
      `EdgeModel ${ns}/digits is at version 3.0 with onnx-int8-dynamic, and openvino-int8, onnx-fp32 carried (signed again for 3.0)`,
    );
    const model = (await rawRequest(kc, { method: "GET", path })).body as unknown as EdgeModel;
    expect(model.spec.version).toBe("3.0");
    expect(model.spec.variants.map((v) => v.name)).toEqual(["onnx-int8-dynamic", "openvino-int8", "onnx-fp32"]);
    for (const v of model.spec.variants) {
      const before = variants.find((b) => b.name === v.name);
      // A carried variant: the same file and profile, pushed again beside the new build with the new signature.
      if (before) {
        expect(v.artifact).toMatchObject({ sha256: before.artifact.sha256, sizeBytes: before.artifact.sizeBytes });
        expect(v.artifact.uri).not.toBe(before.artifact.uri);
        expect(v.artifact.uri).toBe(carried.find((c) => c.name === v.name)?.uri);
        expect(v.profile).toEqual(before.profile);
      }
      // Each verifies as version 3.0's.
      await expectInstalls(model, v);
    }
  }, 600_000);

  it("reports a signing key Secret that does not exist as the build's condition, naming it, without building", async () => {
    const res = await create("no-key", spec({ targets: ["onnx-fp32"], publish: publish("absent") }));
    expect(res.status, res.body.message).toBe(201);
    const failed = await ended("no-key", 120_000);
    expect(failed.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "BuildFailed",
      message: expect.stringContaining("spec.publish.signingKeyRef: Secret absent has no key ed25519.pem, or does not exist"),
    });
    expect(failed.status?.conditions?.find((c) => c.type === "Published")).toMatchObject({ status: "False", reason: "BuildFailed" });
    expect(failed.status?.targets).toBeUndefined();
  });

  it("is refused by the API server naming the field, for a repository with a tag or only targets no runtime serves", async () => {
    const tagged = await create("tagged", spec({ publish: { ...publish(), to: `oci://${registry.address}/models/digits:2.0` } }));
    expect(tagged.status).toBe(422);
    expect(tagged.body.message).toContain("spec.publish.to");
    const unserved = await create("unserved", { ...spec(), targets: ["onnx-fp16"], publish: publish() });
    expect(unserved.status).toBe(422);
    expect(unserved.body.message).toContain("spec.publish");
    expect(unserved.body.message).toContain("publish needs a target a runtime serves");
  });
});
