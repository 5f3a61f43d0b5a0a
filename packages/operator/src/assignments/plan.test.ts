import type { KubeObject } from "@edgefleet/kube";
import { describe, expect, it } from "vitest";
import { assignmentsByNode, slimRuntimeDaemonSet, slimRuntimePod } from "./plan.js";

const MANAGED = { "app.kubernetes.io/managed-by": "edgefleet-operator", "edgefleet.io/model": "detector" };

/** A DaemonSet as the operator writes one (planner/daemonset.ts), or with other labels. */
const daemonSet = (
  uid: string,
  labels: Record<string, string> = MANAGED,
  namespace = "vision",
  env: { name: string; value: string }[] = [],
): KubeObject =>
  ({
    metadata: { name: `ds-${uid}`, namespace, uid, labels },
    spec: {
      template: {
        metadata: {
          labels: { ...MANAGED, "edgefleet.io/model-version": "2.0", "edgefleet.io/variant": "onnx-fp32" },
          annotations: { "edgefleet.io/runtime": "onnx" },
        },
        spec: { containers: [{ name: "runtime", ports: [{ name: "http", containerPort: 8080 }], env }] },
      },
    },
  }) as KubeObject;

const pod = (
  name: string,
  node: string,
  ip: string | undefined,
  owner: string | undefined,
  extra: Record<string, unknown> = {},
): KubeObject =>
  ({
    metadata: {
      name,
      namespace: "vision",
      ...(owner
        ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: `ds-${owner}`, uid: owner, controller: true }] }
        : {}),
      ...extra,
    },
    spec: { nodeName: node },
    ...(ip ? { status: { podIP: ip } } : {}),
  }) as KubeObject;

describe("assignmentsByNode", () => {
  it("assigns each node the addressed pods of the operator's DaemonSets, read from the DaemonSet, never from the pod", () => {
    const sets = [
      daemonSet("op"),
      daemonSet("other", { "edgefleet.io/model": "detector" }),
      daemonSet("lying", { ...MANAGED, "edgefleet.io/model": "fraud" }),
    ];
    const pods = [
      pod("a", "orin-1", "10.42.0.7", "op", { labels: { "edgefleet.io/model": "fraud" } }),
      pod("b", "orin-2", "fd00::7", "op"),
      pod("pending", "orin-3", undefined, "op"),
      pod("bare", "orin-1", "10.42.0.8", undefined),
      pod("not-operators", "orin-1", "10.42.0.9", "other"),
      pod("mislabelled", "orin-1", "10.42.0.10", "lying"),
      pod("leaving", "orin-1", "10.42.0.11", "op", { deletionTimestamp: new Date() }),
      {
        ...pod("elsewhere", "orin-1", "10.42.0.12", "op"),
        metadata: { ...pod("x", "", "", "op").metadata, name: "elsewhere", namespace: "decoy" },
      },
    ];
    const assigned = assignmentsByNode(sets.map(slimRuntimeDaemonSet), pods.map(slimRuntimePod));
    const runtime = { namespace: "vision", model: "detector", version: "2.0", variant: "onnx-fp32", runtime: "onnx", runtimeMetrics: true };
    expect(Object.fromEntries(assigned)).toEqual({
      "orin-1": [{ ...runtime, baseUrl: "http://10.42.0.7:8080" }],
      "orin-2": [{ ...runtime, baseUrl: "http://[fd00::7]:8080" }],
    });
  });

  it("carries the variant's evaluation data from the DaemonSet's env, only when it names all of it validly", () => {
    const evaluation = { uri: `oci://registry.example/digits@sha256:${"d".repeat(64)}`, sha256: "e".repeat(64), samples: 540 };
    const env = [
      { name: "EDGEFLEET_EVALUATION_URI", value: evaluation.uri },
      { name: "EDGEFLEET_EVALUATION_SHA256", value: evaluation.sha256 },
      { name: "EDGEFLEET_EVALUATION_SAMPLES", value: "540" },
    ];
    const served = (e: typeof env) =>
      assignmentsByNode(
        [slimRuntimeDaemonSet(daemonSet("op", MANAGED, "vision", e))],
        [slimRuntimePod(pod("a", "orin-1", "10.42.0.7", "op"))],
      ).get("orin-1")?.[0]?.evaluation;
    expect(served(env)).toEqual(evaluation);
    expect(served(env.slice(0, 2))).toBeUndefined();
    expect(served([...env.slice(0, 2), { name: "EDGEFLEET_EVALUATION_SAMPLES", value: "0" }])).toBeUndefined();
    expect(served([{ name: "EDGEFLEET_EVALUATION_URI", value: "ftp://x" }, ...env.slice(1)])).toBeUndefined();
  });

  it("carries a model repository's served version from the pod template's annotation, and none without it", () => {
    const withVersion = daemonSet("op") as KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    withVersion.spec.template.metadata.annotations["edgefleet.io/served-version"] = "1";
    const [assigned] =
      assignmentsByNode([slimRuntimeDaemonSet(withVersion)], [slimRuntimePod(pod("a", "orin-1", "10.42.0.7", "op"))]).get("orin-1") ?? [];
    expect(assigned).toMatchObject({ version: "2.0", servedVersion: "1" });
    const [plain] =
      assignmentsByNode([slimRuntimeDaemonSet(daemonSet("op"))], [slimRuntimePod(pod("a", "orin-1", "10.42.0.7", "op"))]).get("orin-1") ??
      [];
    expect(plain).not.toHaveProperty("servedVersion");
  });
});
