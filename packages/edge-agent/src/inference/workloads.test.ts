import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isRuntimePod, workloadOf, workloadsByNode } from "./workloads.js";

const LABELS = {
  "app.kubernetes.io/managed-by": "edgefleet-operator",
  "edgefleet.io/model": "detector",
  "edgefleet.io/model-version": "1.0.0",
  "edgefleet.io/variant": "onnx-fp32",
};
const OWNER = { apiVersion: "apps/v1", kind: "DaemonSet", name: "detector-x86-stable", uid: "ds-uid", controller: true };

const pod = (name: string, node: string | undefined, env: Record<string, string>, extra: Partial<V1Pod["metadata"]> = {}): V1Pod => ({
  metadata: {
    name,
    namespace: "vision",
    labels: LABELS,
    annotations: { "edgefleet.io/runtime": "onnx" },
    ownerReferences: [OWNER],
    ...extra,
  },
  spec: {
    ...(node ? { nodeName: node } : {}),
    containers: [{ name: "runtime", env: Object.entries(env).map(([name, value]) => ({ name, value })) }],
  },
});

const env = {
  EDGEFLEET_MODEL: "vision/detector",
  EDGEFLEET_MODEL_VERSION: "1.0.0",
  EDGEFLEET_VARIANT: "onnx-fp32",
  EDGEFLEET_ARTIFACT_URI: "https://127.0.0.1:9443/detector-1.0.0.onnx",
  EDGEFLEET_ARTIFACT_SHA256: "a".repeat(64),
  EDGEFLEET_ARTIFACT_SIZE_BYTES: "1234",
};

describe("workloads", () => {
  it("reads the model from the pod's namespace and labels, the artifact from the operator's env contract", () => {
    expect(workloadOf(pod("d-1", "n1", env))).toEqual({
      ok: true,
      workload: {
        key: "vision/d-1",
        node: "n1",
        namespace: "vision",
        model: "detector",
        version: "1.0.0",
        variant: "onnx-fp32",
        runtime: "onnx",
        owner: { name: "detector-x86-stable", uid: "ds-uid" },
        artifact: { uri: env.EDGEFLEET_ARTIFACT_URI, sha256: "a".repeat(64), sizeBytes: 1234 },
      },
    });
  });

  it("reads the version a model repository's runtime serves the model under", () => {
    const annotations = { "edgefleet.io/runtime": "triton", "edgefleet.io/served-version": "1" };
    const result = workloadOf(pod("d-1", "n1", env, { annotations }));
    expect(result.ok && result.workload).toMatchObject({ version: "1.0.0", servedVersion: "1", runtime: "triton" });
  });

  it("reads a trust policy's keys, which the simulator verifies with in place of a Secret", () => {
    const signed = { ...env, EDGEFLEET_SIGNATURE_URI: "https://x/y.sig", EDGEFLEET_SIGNATURE_PUBLIC_KEYS: "PEM A\nPEM B\n" };
    const result = workloadOf(pod("d-1", "n1", signed));
    expect(result.ok && result.workload.artifact).toEqual({
      uri: env.EDGEFLEET_ARTIFACT_URI,
      sha256: "a".repeat(64),
      sizeBytes: 1234,
      signatureUri: "https://x/y.sig",
      publicKeys: "PEM A\nPEM B\n",
    });
  });

  it("reports a pod that misses part of the contract, naming the variables", () => {
    const { EDGEFLEET_ARTIFACT_SHA256: _, ...rest } = env;
    expect(workloadOf(pod("d-1", "n1", rest))).toEqual({
      ok: false,
      key: "vision/d-1",
      reason: "contract",
      problem: "runtime pod lacks EDGEFLEET_ARTIFACT_SHA256 in its first container's env",
    });
    expect(workloadOf(pod("d-1", "n1", { ...env, EDGEFLEET_ARTIFACT_SIZE_BYTES: "-1" }))).toMatchObject({ ok: false, reason: "contract" });
  });

  it("never takes the model from the env, which any pod's author writes", () => {
    const forged = workloadOf(pod("d-1", "n1", { ...env, EDGEFLEET_MODEL: "payments/fraud", EDGEFLEET_MODEL_VERSION: "9" }));
    expect(forged).toMatchObject({ ok: true, workload: { namespace: "vision", model: "detector", version: "1.0.0" } });
  });

  it.each([
    ["no owner", { ownerReferences: [] }, "not-owned"],
    ["a ReplicaSet owner", { ownerReferences: [{ ...OWNER, kind: "ReplicaSet" }] }, "not-owned"],
    ["a DaemonSet that is not its controller", { ownerReferences: [{ ...OWNER, controller: false }] }, "not-owned"],
    ["no model label", { labels: { ...LABELS, "edgefleet.io/model": "" } }, "unlabelled"],
    [
      "no version label",
      { labels: { "app.kubernetes.io/managed-by": "edgefleet-operator", "edgefleet.io/model": "detector" } },
      "unlabelled",
    ],
  ])("skips a pod with %s, saying why", (_, extra, reason) => {
    expect(workloadOf(pod("d-1", "n1", env, extra))).toMatchObject({ ok: false, key: "vision/d-1", reason });
  });

  it("serves only bound runtime pods that are not being deleted, grouped by node", () => {
    const pods = [
      pod("b", "n1", env),
      pod("a", "n1", env),
      pod("c", "n2", env),
      pod("pending", undefined, env),
      pod("leaving", "n2", env, { deletionTimestamp: new Date() }),
      pod("other", "n2", env, { labels: {} }),
      pod("broken", "n2", {}),
    ];
    expect(pods.map(isRuntimePod)).toEqual([true, true, true, false, false, false, true]);
    const { byNode, problems } = workloadsByNode(pods);
    expect([...byNode].map(([node, list]) => [node, list.map((w) => w.key)])).toEqual([
      ["n1", ["vision/a", "vision/b"]],
      ["n2", ["vision/c"]],
    ]);
    expect(problems).toEqual([
      {
        key: "vision/broken",
        reason: "contract",
        problem: expect.stringMatching(/lacks EDGEFLEET_ARTIFACT_URI, EDGEFLEET_ARTIFACT_SHA256, EDGEFLEET_ARTIFACT_SIZE_BYTES/),
      },
    ]);
  });
});
