import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import type { BuildResult, PublishedArtifact } from "@edgefleet/tools";
import { LOCAL_HOST, type LocalPlatform, loadToolchain, publishArtifact, sampleModel, startLocalPlatform } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespaceSigningKey, stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, rolloutEndedAs, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { buildDigits } from "../model-build/model-cli.js";
import { installApi } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * On-device accuracy: the digits MLP built and measured by tools/edgefleet model build, its variant
 * naming the build's evaluation data (served by the platform's HTTPS registry), placed by the real
 * operator on simulated CPU devices. Each device's agent learns the evaluation data from its runtime
 * pod, fetches and verifies it, sends its labelled samples to the real CPU runtime and reports the
 * right answers; the gateway exports them and Prometheus holds them. The accuracy devices report
 * is the build's, within a couple of points. Then a version whose model answers with its classes
 * shuffled, its profile claiming the build's accuracy, fails rollout analysis's accuracy-drop on the
 * first step and rolls back; and a good version whose evaluation data the devices cannot fetch is
 * never promoted on an unmeasured accuracy: the analysis is inconclusive and holds it.
 */

const { kc, core } = testCluster();
const NODES = 2;
const MODEL = "digits";
let ns: string;
let profile: string;
let dir: string;
let platform: LocalPlatform;
let result: BuildResult;
let evaluation: NonNullable<NonNullable<EdgeModel["spec"]["variants"][number]["profile"]>["accuracy"]>["evaluation"];
const artifacts = new Map<string, PublishedArtifact>();
let failed = false;

const modelPath = () => `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels/${MODEL}`;
const artifact = (version: string) => {
  const a = artifacts.get(version);
  if (!a) throw new Error(`no artifact for ${version}`);
  return a;
};

/**
 * The model's spec at version: its onnx-fp32 variant with the build's accuracy and evaluation data
 * (whatever the file does), gated on accuracy; one node per step of the two.
 */
function specFor(version: string, data = evaluation): EdgeModel["spec"] {
  const spec = sampleModel({
    namespace: ns,
    name: MODEL,
    version,
    artifact: artifact(version),
    placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
    slo: { maxAccuracyDropPoints: 2 },
    rollout: {
      steps: [50, 100],
      pauseSeconds: 2,
      analysis: { windowSeconds: 10, minSamples: 10, maxFailures: 1, maxInconclusive: 5, latencyTolerance: 100, maxErrorRatio: 0.2 },
    },
  }).spec;
  const onnx = spec.variants.find((v) => v.name === "onnx-fp32");
  if (!onnx) throw new Error("the sample model lost its onnx-fp32 variant");
  onnx.profile = { accuracy: { percent: result.targets[0]?.accuracyPercent ?? 0, evaluation: data } };
  return spec;
}

/** The model with its class scores rotated by one (ONNX Gather on the output): every answer shifted, as a build with a wrong class order. */
function shuffledClasses(source: string, out: string): Uint8Array {
  const script = `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1])
out = m.graph.output[0]
m.graph.initializer.append(numpy_helper.from_array(np.roll(np.arange(10), 1).astype(np.int64), "edgefleet_shuffle"))
m.graph.node.append(helper.make_node("Gather", [out.name, "edgefleet_shuffle"], [out.name + "_shuffled"], axis=1))
out.name = out.name + "_shuffled"
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
`;
  execFileSync(loadToolchain().bin("venv-python"), ["-c", script, source, out]);
  return readFileSync(out);
}
const created: string[] = [];

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "acc");
  profile = `acc-${Date.now().toString(36)}`;
  dir = mkdtempSync(join(tmpdir(), "edgefleet-accuracy-"));
  result = await buildDigits(dir, "onnx-fp32");
  for (let i = 1; i <= NODES; i++) created.push(await addProfileNode(kc, { profile, hardwareClass: "acc-cpu", index: i }));
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir: join(dir, "platform"),
    freePorts: true,
    scrapeInterval: "1s",
    analysisIntervalSeconds: 2,
    operatorArgs: ["--namespace", ns, "--leader-election-namespace", ns, "--identity", "accuracy"],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  const key = await namespaceSigningKey(core, ns, join(dir, "platform", "pki"));
  const baseUrl = `https://${LOCAL_HOST}:${platform.ports.artifacts}`;
  const [fp32] = result.targets;
  if (!fp32?.file) throw new Error("the build wrote no onnx-fp32");
  // The evaluation data the build measured on, where devices fetch it.
  const dataset = result.evaluation.dataset;
  writeFileSync(join(platform.registryDir, dataset), readFileSync(join(dir, "builds", dataset)));
  const publish = (version: string, bytes: Uint8Array) =>
    publishArtifact({ dir: platform.registryDir, baseUrl, model: MODEL, version, bytes, privateKeyPem: key.privateKeyPem });
  const built = readFileSync(join(dir, "builds", basename(fp32.file)));
  artifacts.set("1.0.0", publish("1.0.0", built));
  artifacts.set("2.0.0", publish("2.0.0", shuffledClasses(join(dir, "builds", basename(fp32.file)), join(dir, "shuffled.onnx"))));
  artifacts.set("3.0.0", publish("3.0.0", built));
  evaluation = { dataset, sha256: result.evaluation.sha256, samples: fp32.evaluationSamples, uri: `${baseUrl}/${dataset}` };
  const model = { ...sampleModel({ namespace: ns, name: MODEL, version: "1.0.0", artifact: artifact("1.0.0") }), spec: specFor("1.0.0") };
  const res = await rawRequest(kc, { method: "POST", path: `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels`, body: model });
  if (res.status !== 201) throw new Error(`creating ${MODEL}: ${res.status} ${res.body.message}`);
}, 300_000);

afterAll(async () => {
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failed, ["simulator"], 30);
}, 60_000);

describe("accuracy scored on the devices", () => {
  it("reports the evaluation data's right answers from every device, in Prometheus, within 2 points of the build's accuracy", async () => {
    failed = true;
    const selector = `namespace="${ns}",model="${MODEL}",variant="onnx-fp32"`;
    const samples = result.targets[0]?.evaluationSamples ?? 0;
    // Every device through the whole evaluation set at least once.
    const rows = await eventually(
      `every device scoring ${samples} evaluation samples`,
      async () => {
        const r = await platform.prometheus.query(`sum by (node) (edgefleet_inference_evaluations_total{${selector}}) >= ${samples}`);
        return r.length === NODES ? r : undefined;
      },
      240_000,
    );
    expect(rows).toHaveLength(NODES);
    const [ratio] = await platform.prometheus.query(
      `100 * sum(edgefleet_inference_evaluations_correct_total{${selector}}) / sum(edgefleet_inference_evaluations_total{${selector}})`,
    );
    const onDevices = Number(ratio?.value[1]);
    const measured = result.targets[0]?.accuracyPercent ?? 0;
    expect(measured).toBeGreaterThan(90);
    expect(Math.abs(onDevices - measured), `devices ${onDevices}%, the build ${measured}%`).toBeLessThanOrEqual(2);
    failed = false;
  }, 300_000);

  it("rolls back a version whose model shuffles its classes: accuracy-drop fails on the devices' answers", async () => {
    failed = true;
    const res = await rawRequest(kc, {
      method: "PATCH",
      path: modelPath(),
      body: { spec: specFor("2.0.0") },
      contentType: "application/merge-patch+json",
    });
    expect(res.status, res.body.message).toBe(200);
    const read = async () => (await rawRequest(kc, { method: "GET", path: modelPath() })).body as unknown as EdgeModel;
    const rolledBack = await rolloutEndedAs(read, "2.0.0", "RolledBack", 240_000);
    expect(rolledBack.status?.rollout?.reason).toMatch(/accuracy of onnx-fp32 [\d.]+% on [\d.]+ evaluations is below its profile's/);
    expect(rolledBack.status?.rollout?.lastAnalysis?.checks).toContainEqual(
      expect.objectContaining({ name: "accuracy-drop", passed: false }),
    );
    failed = false;
  }, 300_000);

  it("holds a version whose evaluation data the devices cannot fetch: no evaluations is inconclusive, never a pass", async () => {
    failed = true;
    // Data of another digest at an address that answers 404: the nodes' caches hold blobs by digest, so
    // the digest must be one they do not have for the fetch to be needed at all.
    const unreachable = { ...evaluation, uri: `${evaluation.uri}.missing`, sha256: "0".repeat(64) };
    const res = await rawRequest(kc, {
      method: "PATCH",
      path: modelPath(),
      body: { spec: specFor("3.0.0", unreachable) },
      contentType: "application/merge-patch+json",
    });
    expect(res.status, res.body.message).toBe(200);
    const held = await eventually(
      "3.0.0 held on an inconclusive analysis",
      async () => {
        const m = (await rawRequest(kc, { method: "GET", path: modelPath() })).body as unknown as EdgeModel;
        const stalled = m.status?.conditions?.find((c) => c.type === "Stalled");
        return m.status?.rollout?.targetVersion === "3.0.0" && stalled?.status === "True" && stalled.reason === "AnalysisInconclusive"
          ? m
          : undefined;
      },
      240_000,
    );
    expect(held.status?.rollout?.lastAnalysis?.message).toContain("report no evaluations of onnx-fp32");
    expect(held.status?.rollout?.phase).toBe("Failed");
    failed = false;
  }, 300_000);
});
