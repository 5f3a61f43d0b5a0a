import { readFile } from "node:fs/promises";
import type { FederatedTraining, FederatedTrainingSpec } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { freshNamespace, testCluster } from "../helpers/kube.js";
import { GROUP_PATH, installCRDs } from "../operator/install.js";
import { type RawResponse, rawRequest } from "../operator/raw-api.js";

/* The FederatedTraining CRD as the API server enforces it: schema bounds, enums and CEL rules. */

const { kc, core } = testCluster();
let ns: string;
const example = parse(
  await readFile(new URL("../../packages/operator/examples/federated-training.yaml", import.meta.url), "utf8"),
) as FederatedTraining;

beforeAll(async () => {
  await installCRDs(kc);
  ns = await freshNamespace(core, "ft-crd");
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns });
});

const path = () => `${GROUP_PATH}/namespaces/${ns}/federatedtrainings`;

function tryJob(spec: Partial<FederatedTrainingSpec>, name = "digits-fl", dryRun = true): Promise<RawResponse> {
  const job = { ...example, metadata: { name, namespace: ns }, spec: { ...example.spec, ...spec } };
  return rawRequest(kc, { method: "POST", path: `${path()}${dryRun ? "?dryRun=All" : ""}`, body: job });
}

describe("the FederatedTraining CRD", () => {
  it("accepts the example (packages/operator/examples/federated-training.yaml), filling in defaults", async () => {
    const { minDevices: _m, strategy: _s, ...spec } = example.spec;
    const res = await rawRequest(kc, {
      method: "POST",
      path: `${path()}?dryRun=All`,
      body: { ...example, metadata: { name: "defaults", namespace: ns }, spec },
    });
    expect(res.status, res.body.message).toBe(201);
    expect(res.body.spec).toMatchObject({ minDevices: 2, strategy: "FedAvg", stallAfterSeconds: 1800 });
    // The build template is EdgeModelBuild's spec, defaults included.
    expect(res.body.spec).toMatchObject({
      build: { template: { targets: ["onnx-fp32", "onnx-int8-static", "openvino-int8"], timeoutSeconds: 3600 } },
    });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ["a strategy the Flower app does not run", { strategy: "FedYogi" }, ["spec.strategy", "Unsupported value"]],
    ["a negative proximal term", { strategy: "FedProx", proximalMu: -1 }, ["spec.proximalMu", "should be greater than or equal to 0"]],
    ["more than every device a round", { devicesPerRoundPercent: 150 }, ["spec.devicesPerRoundPercent", "less than or equal to 100"]],
    ["a relative output path", { output: { path: "out" } }, ["spec.output.path"]],
    [
      "a CPU limit above 100%",
      { eligibility: { maxCpuUtilizationPercent: 120 } },
      ["spec.eligibility.maxCpuUtilizationPercent", "less than or equal to 100"],
    ],
    ["a build pushed to a tag", { build: { ...example.spec.build, to: "oci://r.example/m:1" } }, ["spec.build.to"]],
    [
      "a build template with a target EdgeModelBuild does not make",
      { build: { ...example.spec.build, template: { targets: ["tensorrt-fp16"] } } },
      ["spec.build.template.targets[0]", "Unsupported value"],
    ],
    [
      // EdgeModelBuild's own rule: a job whose build the API server would refuse is refused itself.
      "a build template that publishes no target a runtime serves",
      {
        build: {
          ...example.spec.build,
          template: { targets: ["onnx-fp16"], publish: { to: "oci://r.example/m", signingKeyRef: { name: "k", key: "k.pem" } } },
        },
      },
      ["spec.build.template.publish", "publish needs a target a runtime serves"],
    ],
    [
      "a delta of 1",
      { differentialPrivacy: { clipNorm: 1, noiseMultiplier: 1, targetEpsilon: 4, delta: 1 } },
      ["spec.differentialPrivacy.delta", "less than 1"],
    ],
  ])("refuses %s, naming the field", async (_, spec, words) => {
    const res = await tryJob(spec as Partial<FederatedTrainingSpec>);
    expect(res.status).toBe(422);
    for (const w of words) expect(res.body.message).toContain(w);
  });

  it("refuses a name too long for its pods, and any change to a job's spec", async () => {
    const long = await tryJob({}, "a".repeat(41));
    expect(long.status).toBe(422);
    expect(long.body.message).toContain("metadata.name must be at most 40 characters");
    expect((await tryJob({}, "fixed", false)).status).toBe(201);
    const change = await rawRequest(kc, {
      method: "PATCH",
      path: `${path()}/fixed`,
      body: { spec: { rounds: 3 } },
      contentType: "application/merge-patch+json",
    });
    expect(change.status).toBe(422);
    expect(change.body.message).toContain("spec is immutable");
  });
});
