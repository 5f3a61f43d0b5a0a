import type { FederatedTraining, TrainingBuildResult } from "@edgefleet/api";
import { KubeError } from "@edgefleet/kube";
import { describe, expect, it } from "vitest";
import { applyFailure, BUILD_REFUSED, trainingBuild } from "./build.js";
import { coordinatorPod, jobConfig } from "./children.js";
import { decide, type JobObservation } from "./decide.js";
import { parseProgress } from "./progress.js";

const SHA = (c: string) => c.repeat(64);
const BUILD = {
  to: "oci://registry.example:5000/models/digits",
  version: "2.0",
  signingKeyRef: { name: "signing", key: "ed25519.pem" },
  publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" },
  registryCredentialsRef: { name: "registry" },
  template: { targets: ["onnx-fp32", "onnx-int8-dynamic"], maxAccuracyDropPoints: 2, nodeSelector: { "edgefleet.io/build-node": "true" } },
} as NonNullable<FederatedTraining["spec"]["build"]>;

const job = (status?: FederatedTraining["status"], build = BUILD): FederatedTraining => ({
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "FederatedTraining",
  metadata: { name: "fl", namespace: "ns", uid: "u1", generation: 1 },
  spec: { model: "digits", trainer: { image: "img" }, rounds: 1, devicesPerRoundPercent: 50, output: { path: "/out" }, build },
  ...(status ? { status } : {}),
});
const file = (c: string) => ({ uri: `oci://registry.example:5000/models/digits@sha256:${SHA(c)}`, sha256: SHA(c), sizeBytes: 10 });
const PUSHED = {
  source: { ...file("a"), signatureUri: file("a").uri },
  calibration: file("b"),
  evaluation: file("c"),
};

const finished = (build: TrainingBuildResult | undefined, status?: FederatedTraining["status"]): JobObservation => ({
  job: job(status ?? { phase: "Running", devices: 2, rounds: [] }),
  eligibility: { eligible: ["a", "b"], excluded: [], unmatched: [] },
  telemetry: undefined,
  progress: {
    devices: ["a", "b"],
    joined: [],
    rounds: [{ round: 1, sampled: 2, participants: 2, dropouts: 0, loss: 0.3, accuracyPercent: 93, seconds: 4 }],
    invalidLines: 0,
    result: { roundsPlanned: 1, finalAccuracyPercent: 93, epsilon: null, model: "/out/digits-federated.onnx", ...(build ? { build } : {}) },
  },
  coordinator: { phase: "Succeeded", node: "hub" },
  clients: [],
  now: new Date("2026-01-01T00:00:00Z"),
});
const condition = (plan: ReturnType<typeof decide>) => plan.status.conditions?.find((c) => c.type === "BuildCreated");

describe("trainingBuild", () => {
  it("is the template with the model, the version and the pushed files, named after and owned by the job", () => {
    const b = trainingBuild(job(), PUSHED);
    expect(b?.metadata).toMatchObject({
      name: "fl",
      namespace: "ns",
      labels: { "edgefleet.io/federated-training": "fl" },
      ownerReferences: [{ kind: "FederatedTraining", name: "fl", uid: "u1", controller: true }],
    });
    expect(b?.spec).toEqual({
      targets: ["onnx-fp32", "onnx-int8-dynamic"],
      maxAccuracyDropPoints: 2,
      nodeSelector: { "edgefleet.io/build-node": "true" },
      model: "digits",
      version: "2.0",
      source: {
        uri: PUSHED.source.uri,
        sha256: SHA("a"),
        sizeBytes: 10,
        signature: { uri: PUSHED.source.signatureUri, publicKeyRef: BUILD.publicKeyRef },
        pullSecretRef: { name: "registry" },
      },
      // Pushed with the same credentials, so pulled with them too.
      calibration: { ...PUSHED.calibration, pullSecretRef: { name: "registry" } },
      evaluation: { ...PUSHED.evaluation, pullSecretRef: { name: "registry" } },
    });
  });

  it("the training's fields win over a template that names them", () => {
    const sneaky = { ...BUILD, template: { ...BUILD.template, version: "9.9", model: "other" } } as typeof BUILD;
    expect(trainingBuild(job(undefined, sneaky), PUSHED)?.spec).toMatchObject({ model: "digits", version: "2.0" });
  });
});

describe("the coordinator with spec.build", () => {
  it("gets the Secrets mounted read-only, the push settings and the operator's CA bundle and plain-HTTP registries", () => {
    const pod = coordinatorPod(job(), jobConfig(job(), 2), { caBundle: "PEM", plainHttpRegistries: ["registry.site.lan:5000"] });
    const c = pod.spec?.containers[0];
    expect(JSON.parse(c?.env?.find((e) => e.name === "EDGEFLEET_FL_JOB")?.value ?? "").build).toEqual({
      to: BUILD.to,
      namespace: "ns",
      model: "digits",
      version: "2.0",
      registryAuth: true,
    });
    expect(c?.env).toContainEqual({ name: "EDGEFLEET_ARTIFACT_CA_BUNDLE", value: "PEM" });
    expect(c?.env).toContainEqual({ name: "EDGEFLEET_PLAIN_HTTP_REGISTRIES", value: "registry.site.lan:5000" });
    expect(c?.volumeMounts?.filter((m) => m.readOnly).map((m) => m.name)).toEqual(["signing-key", "registry-auth"]);
    expect(pod.spec?.volumes).toContainEqual({
      name: "signing-key",
      secret: { secretName: "signing", items: [{ key: "ed25519.pem", path: "signing.pem" }], defaultMode: 0o400 },
    });
    expect(pod.spec?.volumes).toContainEqual({
      name: "registry-auth",
      secret: { secretName: "registry", items: [{ key: ".dockerconfigjson", path: "config.json" }], defaultMode: 0o400 },
    });
  });
});

describe("decide, with spec.build", () => {
  it("once the coordinator pushed: the EdgeModelBuild, status.build, BuildCreated and one Event", () => {
    const plan = decide(finished(PUSHED));
    expect(plan.status.phase).toBe("Succeeded");
    expect(plan.build?.spec.source.uri).toBe(PUSHED.source.uri);
    expect(plan.status.build).toEqual({ name: "fl" });
    expect(condition(plan)).toMatchObject({ status: "True", reason: "Created" });
    expect(plan.events.filter((e) => e.reason === "BuildCreated")).toHaveLength(1);
    // The next pass: the same build to apply (the controller skips an unchanged one), no new Event.
    const again = decide(finished(PUSHED, plan.status));
    expect(again.build).toEqual(plan.build);
    expect(again.events).toEqual([]);
    expect(condition(again)).toEqual(condition(plan));
  });

  it("a failed push: BuildCreated False with the coordinator's reason, a Warning once, no build", () => {
    const plan = decide(finished({ error: "pushing the model: HTTP 401" }));
    expect(plan.status.phase).toBe("Succeeded");
    expect(plan.build).toBeUndefined();
    expect(condition(plan)).toMatchObject({ status: "False", reason: "PushFailed" });
    expect(condition(plan)?.message).toContain("HTTP 401");
    expect(plan.events.filter((e) => e.reason === "BuildNotCreated")).toHaveLength(1);
    expect(decide(finished({ error: "pushing the model: HTTP 401" }, plan.status)).events).toEqual([]);
  });

  it("a coordinator that reports no hand-off: NotPushed", () => {
    expect(condition(decide(finished(undefined)))).toMatchObject({ status: "False", reason: "NotPushed" });
  });

  it("without spec.build: no BuildCreated condition", () => {
    const o = finished(PUSHED);
    const { build: _, ...spec } = o.job.spec;
    const plan = decide({ ...o, job: { ...o.job, spec } });
    expect(plan.build).toBeUndefined();
    expect(condition(plan)).toBeUndefined();
  });
});

describe("parseProgress, result.build", () => {
  const data = (build: unknown) => ({
    devices: "a\nb",
    "result.json": JSON.stringify({ roundsPlanned: 1, finalAccuracyPercent: 90, epsilon: null, model: "/out/m.onnx", build }),
  });
  it("reads the pushed files, or the error", () => {
    expect(parseProgress(data(PUSHED)).result?.build).toEqual(PUSHED);
    expect(parseProgress(data({ error: "no key" })).result?.build).toEqual({ error: "no key" });
    expect(parseProgress(data(undefined)).result?.build).toBeUndefined();
  });
  it("turns a malformed hand-off into an error naming what is wrong", () => {
    const bad = { ...PUSHED, source: { ...PUSHED.source, uri: "https://elsewhere/m.onnx" } };
    expect(parseProgress(data(bad)).result?.build).toMatchObject({ error: expect.stringContaining("oci://") });
  });
});

describe("applyFailure", () => {
  it("an EdgeModelBuild the API server refuses as invalid is refused for good, naming the fix", () => {
    const invalid = new KubeError(
      422,
      "Invalid",
      'EdgeModelBuild.edgefleet.io "fl" is invalid: spec.calibration: targets ... are calibrated',
    );
    const f = applyFailure("fl", invalid);
    expect(f).toMatchObject({ reason: BUILD_REFUSED, retry: false });
    expect(f.message).toContain("spec.calibration");
    expect(f.message).toContain("create a FederatedTraining whose spec.build.template the EdgeModelBuild accepts");
  });

  it.each([
    ["an unreachable API server", new KubeError(0, "", "connect ECONNREFUSED")],
    ["a conflict", new KubeError(409, "Conflict", "conflict")],
    ["a missing permission, which an admin can grant", new KubeError(403, "Forbidden", "forbidden")],
    ["an error of no request", new Error("boom")],
  ])("%s is retried", (_, err) => {
    expect(applyFailure("fl", err)).toMatchObject({ reason: "ApplyFailed", retry: true, message: expect.stringContaining("not applied") });
  });
});
