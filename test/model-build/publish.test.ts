import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeModel, edgeModel, type ModelVariant, SIGNATURE_SCOPED_ONLY_ENV } from "@edgefleet/api";
import { generateSigningKey } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import type { BuildResult } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startTestRegistry, type TestRegistry } from "../artifacts/oci-registry.js";
import { freshNamespace, testCluster } from "../helpers/kube.js";
import { GROUP_PATH, installCRDs } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";
import { buildDigits, MODEL_CLI, runScript } from "./model-cli.js";

/*
 * tools/edgefleet model publish of a real build of the digits MLP (ONNX static int8, OpenVINO int8
 * and the source): signed, pushed to the real registry (CNCF Distribution over HTTPS, private CA,
 * credentials), the EdgeModel's new version accepted by the real API server, and every variant
 * installed by the install command the verify-artifact init container runs, digest and v2 signature
 * checked.
 */

const TARGETS = "onnx-fp32,onnx-int8-static,openvino-int8";
const { kc, core } = testCluster();
const tempDir = useTempDirs("model-publish");
const key = generateSigningKey();
let work: string;
let registry: TestRegistry;
let ns: string;
let result: BuildResult;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edgefleet-model-publish-"));
  writeFileSync(join(work, "key.pem"), key.privateKeyPem);
  [result, registry, ns] = await Promise.all([
    buildDigits(work, TARGETS),
    startTestRegistry(join(work, "registry")),
    installCRDs(kc).then(() => freshNamespace(core, "model-publish")),
  ]);
}, 300_000);
afterAll(async () => {
  await registry?.stop();
  if (ns) await core.deleteNamespace({ name: ns });
  rmSync(work, { recursive: true, force: true });
});

/** The model as its team has it: version 1.0.0, signed with the key in Secret digits-signing. */
function currentModel(): EdgeModel {
  const publicKeyRef = { name: "digits-signing", key: "ed25519.pub" };
  const base = edgeModel({ version: "1.0.0", rollout: { steps: [50, 100] } }, "digits");
  const [first, ...rest] = base.spec.variants;
  if (!first) throw new Error("the fixture has no variants");
  const variants = [{ ...first, artifact: { ...first.artifact, signature: { uri: first.artifact.uri, publicKeyRef } } }, ...rest];
  return { ...base, metadata: { name: "digits", namespace: ns }, spec: { ...base.spec, variants } };
}

const apply = (model: EdgeModel) =>
  rawRequest(kc, {
    method: "PATCH",
    path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/${model.metadata?.name}?fieldManager=model-publish-test&force=true`,
    body: model,
    contentType: "application/apply-patch+yaml",
  });

/** The install command as the verify-artifact init container runs it for one variant. */
const install = (model: EdgeModel, v: ModelVariant, as = v.name) =>
  runScript("packages/edge-agent/src/artifacts/install-cli.ts", [`--cache-dir=${tempDir()}`], {
    PATH: process.env.PATH ?? "",
    EDGEFLEET_MODEL: `${ns}/${model.metadata?.name}`,
    EDGEFLEET_MODEL_VERSION: model.spec.version,
    EDGEFLEET_VARIANT: as,
    EDGEFLEET_ARTIFACT_URI: v.artifact.uri,
    EDGEFLEET_ARTIFACT_SHA256: v.artifact.sha256,
    EDGEFLEET_ARTIFACT_SIZE_BYTES: String(v.artifact.sizeBytes),
    EDGEFLEET_SIGNATURE_URI: v.artifact.signature?.uri ?? "",
    EDGEFLEET_SIGNATURE_PUBLIC_KEY: key.publicKeyPem,
    [SIGNATURE_SCOPED_ONLY_ENV]: "true",
    EDGEFLEET_ARTIFACT_CA_BUNDLE: registry.ca,
    EDGEFLEET_REGISTRY_AUTH_FILE: registry.deviceAuth,
  });

describe("model publish", () => {
  it("signs and pushes each build, and the new EdgeModel version is accepted and installs variant by variant", async () => {
    const current = currentModel();
    const applied = await apply(current);
    expect(applied.status, applied.body.message).toBe(201);
    const file = join(tempDir(), "digits.yaml");
    writeFileSync(file, stringify(current));
    const to = `oci://${registry.address}/models/digits`;
    const published = await runScript(MODEL_CLI, [
      "publish",
      ...["--build", join(work, "builds"), "--edgemodel", file, "--version", "2.0.0", "--to", to, "--key", join(work, "key.pem")],
      ...["--registry-auth", registry.publisherAuth, "--ca-file", registry.caFile],
    ]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toContain(`model publish: openvino-int8: pushed ${to}:2.0.0-openvino-int8 (sha256:`);
    const next = parse(published.stdout) as EdgeModel;
    expect(next.metadata).toEqual({ name: "digits", namespace: ns });
    expect(next.spec.version).toBe("2.0.0");
    expect(next.spec.rollout).toEqual({ steps: [50, 100] });
    // Best first: the OpenVINO IR for the Intel accelerators, then the static int8 and the source for CPUs.
    expect(next.spec.variants.map((v) => [v.name, v.format, v.precision, v.requirements.accelerators])).toEqual([
      ["openvino-int8", "openvino", "int8", ["intel-npu", "intel-gpu"]],
      ["onnx-int8-static", "onnx", "int8", ["cpu"]],
      ["onnx-fp32", "onnx", "fp32", ["cpu"]],
    ]);
    for (const v of next.spec.variants) {
      const measured = result.targets.find((t) => t.target === v.name);
      expect(v.profile?.accuracy).toEqual({
        percent: measured?.accuracyPercent,
        dropPoints: measured?.accuracyDropPoints,
        evaluation: { dataset: "digits-evaluation.npz", sha256: result.evaluation.sha256, samples: 540 },
      });
      expect(v.artifact).toMatchObject({
        uri: expect.stringMatching(new RegExp(`^${to}@sha256:[a-f0-9]{64}$`)),
        sizeBytes: measured?.sizeBytes,
        signature: { publicKeyRef: { name: "digits-signing", key: "ed25519.pub" } },
      });
    }
    expect(result.evaluation.sha256).toMatch(/^[a-f0-9]{64}$/);

    // The real API server takes the new version as an update of the model.
    const updated = await apply(next);
    expect(updated.status, updated.body.message).toBe(200);
    expect((updated.body.spec as EdgeModel["spec"]).variants.map((v) => v.profile?.accuracy?.percent)).toEqual(
      next.spec.variants.map((v) => v.profile?.accuracy?.percent),
    );

    // Each variant installs from the registry: size, digest and its v2 signature (namespace, model, variant, version).
    for (const v of next.spec.variants) {
      const installed = await install(next, v);
      expect(installed.code, `${v.name}: ${installed.stdout}${installed.stderr}`).toBe(0);
    }
    // A variant's signature names it: the IR's file passed off as another variant is refused.
    const [ov] = next.spec.variants;
    if (!ov) throw new Error("no variants");
    const misnamed = await install(next, ov, "onnx-int8-static");
    expect(misnamed.code).toBe(1);
    expect(misnamed.stdout).toContain("signature-invalid");
  });

  it("refuses to publish the model's current version, before pushing anything", async () => {
    const file = join(tempDir(), "digits.yaml");
    writeFileSync(file, stringify(currentModel()));
    const refused = await runScript(MODEL_CLI, [
      "publish",
      ...["--build", join(work, "builds"), "--edgemodel", file, "--version", "1.0.0"],
      ...["--to", `oci://${registry.address}/models/digits`, "--key", join(work, "key.pem")],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--version 1.0.0 is the model's current spec.version");
    expect(refused.stderr).not.toContain("pushed");
  });
});
