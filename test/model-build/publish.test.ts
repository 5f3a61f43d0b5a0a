import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeModel, edgeModel, type ModelVariant } from "@edgefleet/api";
import { cachedEvaluation, EvaluationStore, encodeEnvelope, generateSigningKey, pushArtifact, signFile } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import type { BuildResult } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { startTestRegistry, type TestRegistry } from "../artifacts/oci-registry.js";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { GROUP_PATH, installCRDs } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";
import { buildDigits, installVariant, MODEL_CLI, runScript } from "./model-cli.js";

/*
 * tools/edgefleet model publish of a real build of the digits MLP (ONNX static int8, OpenVINO int8
 * and the source): signed, pushed to the real registry (CNCF Distribution over HTTPS, private CA,
 * credentials), the model's variant no build replaces verified and re-signed for the new version,
 * the EdgeModel's new version applied to the real API server (by the test, and by --apply), and
 * every variant installed by the install command the verify-artifact init container runs, digest
 * and v2 signature checked.
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

const publicKeyRef = { name: "digits-signing", key: "ed25519.pub" };
const to = () => `oci://${registry.address}/models/digits`;

/**
 * One variant of version 1.0.0 as its team published it: a file in the registry with its v2
 * signature by signer. The source's bytes stand in for every file: what is checked is whose
 * signature covers which digest.
 */
async function publishedVariant(
  name: string,
  format: ModelVariant["format"],
  precision: ModelVariant["precision"],
  signer = key,
): Promise<ModelVariant> {
  const file = join(work, "builds", "digits-mlp-fp32.onnx");
  const signed = signFile({ file, model: "digits", version: "1.0.0", namespace: ns, variant: name, privateKeyPem: signer.privateKeyPem });
  const pushed = await pushArtifact({
    file,
    signature: Buffer.from(encodeEnvelope(signed.envelope)),
    to: `${to()}:1.0.0-${name}`,
    registryAuth: readFileSync(registry.publisherAuth, "utf8"),
    extraCa: registry.ca,
  });
  const accelerators: ModelVariant["requirements"]["accelerators"] = format === "tensorrt" ? ["nvidia-gpu"] : ["cpu"];
  return {
    name,
    format,
    precision,
    artifact: { uri: pushed.uri, sha256: pushed.sha256, sizeBytes: pushed.sizeBytes, signature: { uri: pushed.uri, publicKeyRef } },
    requirements: { accelerators },
  };
}

/** The model as its team has it: version 1.0.0 of a TensorRT engine and the source, signed with the key in Secret digits-signing. */
async function currentModel(trtSigner = key): Promise<EdgeModel> {
  const base = edgeModel({ version: "1.0.0", rollout: { steps: [50, 100] } }, "digits");
  const variants = [await publishedVariant("trt-fp16", "tensorrt", "fp16", trtSigner), await publishedVariant("onnx-fp32", "onnx", "fp32")];
  return { ...base, metadata: { name: "digits", namespace: ns }, spec: { ...base.spec, variants } };
}

const publish = (file: string, version = "2.0.0", ...more: string[]) =>
  runScript(MODEL_CLI, [
    "publish",
    ...["--build", join(work, "builds"), "--edgemodel", file, "--version", version, "--to", to(), "--key", join(work, "key.pem")],
    ...["--registry-auth", registry.publisherAuth, "--ca-file", registry.caFile],
    ...more,
  ]);

const apply = (model: EdgeModel) =>
  rawRequest(kc, {
    method: "PATCH",
    path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/${model.metadata?.name}?fieldManager=model-publish-test&force=true`,
    body: model,
    contentType: "application/apply-patch+yaml",
  });

/** The install command as the verify-artifact init container runs it for one variant. */
const install = (model: EdgeModel, v: ModelVariant, as = v.name, cacheDir = tempDir()) =>
  installVariant({
    cacheDir,
    model,
    variant: v,
    as,
    publicKeyPem: key.publicKeyPem,
    ca: registry.ca,
    authFile: registry.deviceAuth,
  });

describe("model publish", () => {
  it("signs and pushes each build, keeps the variant no build replaces, and the new version is accepted and installs variant by variant", async () => {
    const current = await currentModel();
    const applied = await apply(current);
    expect(applied.status, applied.body.message).toBe(201);
    const file = join(tempDir(), "digits.yaml");
    writeFileSync(file, stringify(current));
    const published = await publish(file);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toContain(`model publish: openvino-int8: pushed ${to()}:2.0.0-openvino-int8 (sha256:`);
    expect(published.stderr).toContain(`model publish: trt-fp16: pushed ${to()}:2.0.0-trt-fp16 (sha256:`);
    const next = parse(published.stdout) as EdgeModel;
    expect(next.metadata).toEqual({ name: "digits", namespace: ns });
    expect(next.spec.version).toBe("2.0.0");
    expect(next.spec.rollout).toEqual({ steps: [50, 100] });
    // Best first: the OpenVINO IR for the Intel accelerators, then the static int8 and the source for
    // CPUs (the build's source replaces 1.0.0's); then the TensorRT engine no build replaces.
    expect(next.spec.variants.map((v) => [v.name, v.format, v.precision, v.requirements.accelerators])).toEqual([
      ["openvino-int8", "openvino", "int8", ["intel-npu", "intel-gpu"]],
      ["onnx-int8-static", "onnx", "int8", ["cpu"]],
      ["onnx-fp32", "onnx", "fp32", ["cpu"]],
      ["trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"]],
    ]);
    const [trtBefore] = current.spec.variants;
    const trt = next.spec.variants[3];
    // The same file, in a new artifact whose signature names 2.0.0.
    expect(trt?.artifact.sha256).toBe(trtBefore?.artifact.sha256);
    expect(trt?.artifact.uri).not.toBe(trtBefore?.artifact.uri);
    for (const v of next.spec.variants.slice(0, 3)) {
      const measured = result.targets.find((t) => t.target === v.name);
      expect(v.profile?.accuracy).toEqual({
        percent: measured?.accuracyPercent,
        dropPoints: measured?.accuracyDropPoints,
        evaluation: {
          dataset: "digits-evaluation.npz",
          sha256: result.evaluation.sha256,
          samples: 540,
          uri: expect.stringMatching(new RegExp(`^${to()}@sha256:[a-f0-9]{64}$`)),
        },
      });
      expect(v.artifact).toMatchObject({
        uri: expect.stringMatching(new RegExp(`^${to()}@sha256:[a-f0-9]{64}$`)),
        sizeBytes: measured?.sizeBytes,
        signature: { publicKeyRef: { name: "digits-signing", key: "ed25519.pub" } },
      });
    }
    expect(result.evaluation.sha256).toMatch(/^[a-f0-9]{64}$/);
    // The evaluation data, pushed beside the variants, is what a device's agent scores: the install
    // stores it in the node's cache with the device's credentials, the digest the build measured on,
    // and the agent reads 540 labelled samples from there.
    expect(published.stderr).toContain(`model publish: evaluation data: pushed ${to()}:2.0.0-evaluation (sha256:`);
    const [scored] = next.spec.variants;
    const evaluation = scored?.profile?.accuracy?.evaluation;
    if (!scored || !evaluation?.uri || !evaluation.sha256) throw new Error("no evaluation data to fetch");
    const cacheDir = tempDir();
    const stored = await install(next, scored, scored.name, cacheDir);
    expect(stored.code, stored.stdout + stored.stderr).toBe(0);
    expect(stored.stdout).toContain('"msg":"evaluation data stored"');
    const store = new EvaluationStore({ read: cachedEvaluation(cacheDir), maxBytes: 1 << 20 });
    const fetched = await eventually(
      "the evaluation data fetched",
      async () => store.get({ uri: evaluation.uri ?? "", sha256: evaluation.sha256 ?? "", samples: evaluation.samples }),
      30_000,
    );
    expect(fetched.labels).toHaveLength(540);

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
    writeFileSync(file, stringify({ ...edgeModel({ version: "1.0.0" }, "digits"), metadata: { name: "digits", namespace: ns } }));
    const refused = await runScript(MODEL_CLI, [
      "publish",
      ...["--build", join(work, "builds"), "--edgemodel", file, "--version", "1.0.0"],
      ...["--to", to(), "--key", join(work, "key.pem")],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--version 1.0.0 is the model's current spec.version");
    expect(refused.stderr).not.toContain("pushed");
  });

  it("refuses, naming it, a kept variant whose signature does not verify, before pushing anything", async () => {
    // trt-fp16 signed by another key than the publisher's: re-signing it would vouch for a file nobody trusted signed.
    const file = join(tempDir(), "digits.yaml");
    writeFileSync(file, stringify(await currentModel(generateSigningKey())));
    const refused = await publish(file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/variant trt-fp16: its artifact does not verify as version 1\.0\.0's \(signature-invalid: /);
    expect(refused.stderr).not.toContain("pushed");
  });

  it("--apply applies the new version by server-side apply, and says clearly when the API server refuses it", async () => {
    const current = await currentModel();
    const file = join(tempDir(), "digits.yaml");
    writeFileSync(file, stringify(current));
    const applied = await publish(file, "3.0.0", "--apply", "--kubeconfig", inject("kubeconfig"));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`model publish: applied EdgeModel ${ns}/digits version 3.0.0`);
    const read = await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels/digits` });
    expect(read.status).toBe(200);
    const spec = read.body.spec as EdgeModel["spec"];
    expect(spec.version).toBe("3.0.0");
    expect(spec.variants.map((v) => v.name)).toEqual(["openvino-int8", "onnx-int8-static", "onnx-fp32", "trt-fp16"]);
    // Steps that are not increasing: only the API server's validation (the CRD's CEL rule) catches them.
    writeFileSync(file, stringify({ ...current, spec: { ...current.spec, rollout: { steps: [100, 50] } } }));
    const refused = await publish(file, "4.0.0", "--apply", "--kubeconfig", inject("kubeconfig"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `--apply: EdgeModel ${ns}/digits version 4.0.0 was not applied: the API server refused it (422 Invalid)`,
    );
    expect(refused.stderr).toContain("rollout.steps must be strictly increasing");
  });
});
