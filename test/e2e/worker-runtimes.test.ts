import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildModels } from "@edgefleet/test-models";
import {
  LOCAL_HOST,
  type LocalPlatform,
  openvinoInt8Build,
  publishArtifact,
  sampleModel,
  startLocalPlatform,
  tfliteInt8Build,
} from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespaceSigningKey, stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { installApi } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * The sample model's variants that the simulated fleet serves with a Python-engined runtime: on the
 * intel-nuc class an int8 IR made by the real OpenVINO tools, served by the real OpenVINO runtime;
 * on the rpi5-coral class an int8 .tflite file (quantized by LiteRT), served by LiteRT's interpreter
 * on the CPU (no Edge TPU delegate). Each published signed, placed by the operator, verified by each
 * device's agent, the runtimes' own measurements reaching Prometheus.
 */

const { kc, core } = testCluster();
const NODES = 2;
const MODEL = "detector";
let ns: string;
let profile: string;
let dir: string;
let platform: LocalPlatform;
let failed = false;
const created: string[] = [];

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "ov");
  profile = `ov-${Date.now().toString(36)}`;
  dir = mkdtempSync(join(tmpdir(), "edgefleet-openvino-"));
  for (const device of ["intel-nuc", "rpi5-coral"] as const)
    for (let i = 1; i <= NODES; i++) created.push(await addProfileNode(kc, { profile, hardwareClass: device, device, index: i }));
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    operatorArgs: ["--namespace", ns, "--leader-election-namespace", ns, "--identity", "openvino"],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  const key = await namespaceSigningKey(core, ns, join(dir, "pki"));
  const [detector] = buildModels();
  if (!detector) throw new Error("the model generator lost a model");
  const signed = {
    dir: platform.registryDir,
    baseUrl: `https://${LOCAL_HOST}:${platform.ports.artifacts}`,
    model: MODEL,
    version: "1.0.0",
  };
  const model = sampleModel({
    namespace: ns,
    name: MODEL,
    version: "1.0.0",
    artifact: publishArtifact({ ...signed, bytes: detector.bytes, privateKeyPem: key.privateKeyPem }),
    openvinoArtifact: publishArtifact({
      ...signed,
      bytes: await openvinoInt8Build(detector.bytes),
      file: `${MODEL}-1.0.0-openvino-int8.tar`,
      privateKeyPem: key.privateKeyPem,
    }),
    tfliteArtifact: publishArtifact({
      ...signed,
      bytes: await tfliteInt8Build(detector.bytes),
      file: `${MODEL}-1.0.0-int8.tflite`,
      privateKeyPem: key.privateKeyPem,
    }),
    placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
  });
  const res = await rawRequest(kc, { method: "POST", path: `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels`, body: model });
  if (res.status !== 201) throw new Error(`creating ${MODEL}: ${res.status} ${res.body.message}`);
}, 240_000);

afterAll(async () => {
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failed, ["simulator"], 30);
}, 60_000);

/** Every node of the class answers the variant through its runtime in Prometheus, without errors. */
async function servedWithoutErrors(what: string, variant: string, runtime: string): Promise<void> {
  const selector = `namespace="${ns}",model="${MODEL}",variant="${variant}",runtime="${runtime}"`;
  await eventually(
    `every ${what} answering ${variant} in Prometheus`,
    async () => {
      const rows = await platform.prometheus.query(`sum by (node) (rate(edgefleet_inference_requests_total{${selector}}[5s])) > 0`);
      return rows.length === NODES ? true : undefined;
    },
    180_000,
  );
  const [errors] = await platform.prometheus.query(`sum(edgefleet_inference_errors_total{${selector}})`);
  expect(Number(errors?.value[1] ?? 0)).toBe(0);
}

describe("Python-engined runtimes on the simulated fleet", () => {
  it("serves the ov-int8 variant's IR on every NUC through the real OpenVINO runtime, measured without errors", async () => {
    failed = true;
    await servedWithoutErrors("NUC", "ov-int8", "openvino");
    failed = false;
  }, 240_000);

  it("serves the tflite-int8 variant's .tflite file on every Coral device through LiteRT, measured without errors", async () => {
    failed = true;
    await servedWithoutErrors("Coral device", "tflite-int8", "tflite");
    failed = false;
  }, 240_000);
});
