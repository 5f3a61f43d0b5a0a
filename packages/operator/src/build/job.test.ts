import {
  ARTIFACT_CA_BUNDLE_ENV,
  BUILD_REQUEST_ENV,
  type EdgeModelBuild,
  edgeModel,
  PLAIN_HTTP_REGISTRIES_ENV,
  variant,
} from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { CARRIED_FROM_ANNOTATION, carriedFrom } from "./carried.js";
import { desiredJob, jobName } from "./job.js";

const sha = "a".repeat(64);
const build = (name: string, generation = 3): EdgeModelBuild => ({
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeModelBuild",
  metadata: { name, namespace: "vision", generation, uid: "u-1" },
  spec: {
    model: "digits",
    version: "2.0",
    source: {
      uri: "https://m.example.com/digits.onnx",
      sha256: sha,
      sizeBytes: 1,
      signature: { uri: "https://m.example.com/digits.sig", publicKeyRef: { name: "keys", key: "ed25519.pub" } },
    },
    evaluation: { uri: "https://m.example.com/e.npz", sha256: sha, sizeBytes: 1 },
    targets: ["onnx-fp32"],
    resources: { limits: { memory: 2147483648 } },
  },
});

describe("build Job", () => {
  it("is named for the build's generation, within the 63 characters of a label value", () => {
    expect(jobName(build("digits"))).toBe("digits-3");
    const long = jobName(build("b".repeat(63), 12));
    expect(long).toHaveLength(63);
    expect(long).toMatch(/-[a-f0-9]{8}-12$/);
  });

  it("runs once, without API access, owned by the build, with the build as JSON and the source key mounted", () => {
    const job = desiredJob(build("digits"), { image: "registry.example.com/model-build:1" });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600 });
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: "EdgeModelBuild", uid: "u-1", controller: true })]);
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ restartPolicy: "Never", automountServiceAccountToken: false });
    const [c] = pod?.containers ?? [];
    expect(c?.terminationMessagePath).toBe("/dev/termination-log");
    expect(c?.args).toContain("--source-public-key=/etc/edgefleet/source-key/public-key.pem");
    expect(c?.resources).toEqual({ limits: { memory: "2147483648" } });
    const request = JSON.parse(c?.env?.find((e) => e.name === BUILD_REQUEST_ENV)?.value ?? "{}");
    expect(request).toMatchObject({ namespace: "vision", name: "digits", spec: { model: "digits", targets: ["onnx-fp32"] } });
    expect(pod?.volumes).toContainEqual({
      name: "source-key",
      secret: { secretName: "keys", items: [{ key: "ed25519.pub", path: "public-key.pem" }] },
    });
  });

  it("reaches registries as the platform's runtime pods do: its CA bundle and plain-HTTP registries in the environment", () => {
    const env = (settings: Parameters<typeof desiredJob>[1]) =>
      desiredJob(build("digits"), settings).spec?.template.spec?.containers[0]?.env?.filter((e) => e.name !== BUILD_REQUEST_ENV);
    expect(env({ image: "b:1" })).toEqual([]);
    expect(env({ image: "b:1", plainHttpRegistries: [] })).toEqual([]);
    expect(env({ image: "b:1", caBundle: "PEM", plainHttpRegistries: ["registry.site.lan:5000", "10.0.0.7:5000"] })).toEqual([
      { name: ARTIFACT_CA_BUNDLE_ENV, value: "PEM" },
      { name: PLAIN_HTTP_REGISTRIES_ENV, value: "registry.site.lan:5000,10.0.0.7:5000" },
    ]);
  });

  it("runs where spec.nodeSelector says, tolerating spec.tolerations (a tainted build node)", () => {
    const tolerations = [{ key: "edgefleet.io/build-node", operator: "Exists" as const, effect: "NoSchedule" as const }];
    const b = build("digits");
    const pod = desiredJob({ ...b, spec: { ...b.spec, nodeSelector: { "edgefleet.io/build-node": "a" }, tolerations } }, { image: "i" })
      .spec?.template.spec;
    expect(pod).toMatchObject({ nodeSelector: { "edgefleet.io/build-node": "a" }, tolerations });
    expect(desiredJob(b, { image: "i" }).spec?.template.spec?.tolerations).toBeUndefined();
  });

  it("mounts each input's pullSecretRef read-only for the job's fetch of that input, optional so a missing Secret is reported by the build", () => {
    const b = build("digits");
    const spec = {
      ...b.spec,
      source: { ...b.spec.source, pullSecretRef: { name: "pull" } },
      evaluation: { ...b.spec.evaluation, pullSecretRef: { name: "data" } },
    };
    const pod = desiredJob({ ...b, spec }, { image: "i" }).spec?.template.spec;
    expect(pod?.volumes).toContainEqual({
      name: "evaluation-pull-auth",
      secret: { secretName: "data", items: [{ key: ".dockerconfigjson", path: "config.json" }], optional: true },
    });
    const [c] = pod?.containers ?? [];
    expect(c?.volumeMounts).toContainEqual({ name: "source-pull-auth", mountPath: "/etc/edgefleet/pull-auth/source", readOnly: true });
    expect(c?.args).toContain("--evaluation-pull-auth=/etc/edgefleet/pull-auth/evaluation/config.json");
    expect(c?.args?.some((a) => a.startsWith("--calibration-pull-auth"))).toBe(false);
  });

  it("with spec.publish mounts the signing key and push credentials read-only, optional so a missing Secret is reported by the build", () => {
    const b = build("digits");
    const job = desiredJob(
      {
        ...b,
        spec: {
          ...b.spec,
          publish: { to: "oci://r.example/m", signingKeyRef: { name: "signing", key: "ed25519.pem" }, registryAuthRef: { name: "push" } },
        },
      },
      { image: "registry.example.com/model-build:1" },
    );
    const pod = job.spec?.template.spec;
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.volumes).toContainEqual({
      name: "signing-key",
      secret: { secretName: "signing", items: [{ key: "ed25519.pem", path: "private-key.pem" }], optional: true },
    });
    expect(pod?.volumes).toContainEqual({
      name: "push-auth",
      secret: { secretName: "push", items: [{ key: ".dockerconfigjson", path: "config.json" }], optional: true },
    });
    const [container] = pod?.containers ?? [];
    expect(container?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: "signing-key", mountPath: "/etc/edgefleet/signing-key", readOnly: true },
        { name: "push-auth", mountPath: "/etc/edgefleet/push-auth", readOnly: true },
      ]),
    );
    expect(container?.args).toEqual(
      expect.arrayContaining([
        "--signing-key=/etc/edgefleet/signing-key/private-key.pem",
        "--push-auth=/etc/edgefleet/push-auth/config.json",
      ]),
    );
  });

  it("with spec.publish, carries the EdgeModel as it is: its variants in the request, their key and pull Secrets in one read-only volume, and what it was given on the Job", () => {
    const b = build("digits");
    const published = { ...b, spec: { ...b.spec, publish: { to: "oci://r.example/m", signingKeyRef: { name: "signing", key: "k" } } } };
    const signed = (name: string, keyName: string, pull?: string) => ({
      ...variant(name, "onnx", "fp32", ["cpu"]),
      artifact: {
        uri: `oci://r.example/m@sha256:${sha}`,
        sha256: sha,
        sizeBytes: 1,
        signature: { uri: `oci://r.example/m@sha256:${sha}`, publicKeyRef: { name: keyName, key: "ed25519.pub" } },
        ...(pull ? { pullSecretRef: { name: pull } } : {}),
      },
    });
    const model = edgeModel(
      { version: "1.0", variants: [signed("a", "keys", "pull"), signed("b", "keys"), signed("c", "other", "pull")] },
      "digits",
    );
    const job = desiredJob(published, { image: "i" }, model);
    const [c] = job.spec?.template.spec?.containers ?? [];
    const request = JSON.parse(c?.env?.find((e) => e.name === BUILD_REQUEST_ENV)?.value ?? "{}");
    expect(request.carry).toEqual({ version: "1.0", variants: model.spec.variants });
    expect(c?.args).toContain("--carried=/etc/edgefleet/carried");
    expect(c?.volumeMounts).toContainEqual({ name: "carried", mountPath: "/etc/edgefleet/carried", readOnly: true });
    expect(job.spec?.template.spec?.volumes).toContainEqual({
      name: "carried",
      projected: {
        sources: [
          { secret: { name: "keys", items: [{ key: "ed25519.pub", path: "keys/keys/ed25519.pub" }], optional: true } },
          { secret: { name: "pull", items: [{ key: ".dockerconfigjson", path: "pull/pull/config.json" }], optional: true } },
          { secret: { name: "other", items: [{ key: "ed25519.pub", path: "keys/other/ed25519.pub" }], optional: true } },
        ],
      },
    });
    expect(job.metadata?.annotations).toEqual({ [CARRIED_FROM_ANNOTATION]: carriedFrom(model.spec) });
    // Without spec.publish, or without the EdgeModel, nothing is carried.
    for (const j of [desiredJob(b, { image: "i" }, model), desiredJob(published, { image: "i" })]) {
      expect(j.metadata?.annotations).toBeUndefined();
      expect(j.spec?.template.spec?.containers[0]?.args?.some((a) => a.startsWith("--carried"))).toBe(false);
    }
  });
});
