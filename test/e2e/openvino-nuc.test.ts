import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildModels } from "@edgefleet/test-models";
import {
  LOCAL_HOST,
  type LocalPlatform,
  openvinoInt8Build,
  PUBLIC_KEY_REF,
  publishArtifact,
  sampleModel,
  signingKey,
  startLocalPlatform,
} from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { installApi } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * The sample model's OpenVINO variant on the simulated intel-nuc class: an int8 IR made by the real
 * OpenVINO tools, published signed, placed by the operator, verified by each device's agent and
 * served by the real OpenVINO runtime, whose own measurements reach Prometheus.
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
  for (let i = 1; i <= NODES; i++)
    created.push(await addProfileNode(kc, { profile, hardwareClass: "intel-nuc", device: "intel-nuc", index: i }));
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    operatorArgs: ["--namespace", ns, "--leader-election-namespace", ns, "--identity", "openvino"],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  const key = signingKey(join(dir, "pki"));
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: PUBLIC_KEY_REF.name }, stringData: { [PUBLIC_KEY_REF.key]: key.publicKeyPem } },
  });
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
    placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
  });
  const res = await rawRequest(kc, { method: "POST", path: `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels`, body: model });
  if (res.status !== 201) throw new Error(`creating ${MODEL}: ${res.status} ${res.body.message}`);
}, 240_000);

afterAll(async () => {
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failed, ["simulator"], 30);
}, 60_000);

describe("OpenVINO int8 on the simulated intel-nuc class", () => {
  it("serves the ov-int8 variant's IR on every NUC through the real OpenVINO runtime, measured without errors", async () => {
    failed = true;
    const selector = `namespace="${ns}",model="${MODEL}",variant="ov-int8",runtime="openvino"`;
    await eventually(
      "every NUC answering ov-int8 in Prometheus",
      async () => {
        const rows = await platform.prometheus.query(`sum by (node) (rate(edgefleet_inference_requests_total{${selector}}[5s])) > 0`);
        return rows.length === NODES ? true : undefined;
      },
      180_000,
    );
    const [errors] = await platform.prometheus.query(`sum(edgefleet_inference_errors_total{${selector}})`);
    expect(Number(errors?.value[1] ?? 0)).toBe(0);
    failed = false;
  }, 240_000);
});
