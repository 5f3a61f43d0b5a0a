import { LABELS, MANAGER, SERVED_VERSION_ANNOTATION, SIGNATURE_PUBLIC_KEYS_ENV, SIGNATURE_SCOPED_ONLY_ENV } from "@edgefleet/api";
import { type AssignedEvaluation, evaluationFromEnv } from "@edgefleet/telemetry";
import type { V1Pod } from "@kubernetes/client-node";

/**
 * What one runtime pod asks its node to serve: which model it measures comes from the pod's own
 * metadata (its namespace and the labels the operator's DaemonSet template sets), the artifact from
 * the operator's env contract (packages/operator/src/planner/model-env.ts). The fleet simulator
 * serves it; the agent learns what to probe from the operator's assignments instead
 * (packages/operator/src/assignments), never from pods.
 */
export interface RuntimeWorkload {
  /** namespace/name of the pod: the identity of the runtime instance. */
  readonly key: string;
  readonly node: string;
  readonly namespace: string;
  readonly model: string;
  readonly version: string;
  readonly variant: string;
  readonly runtime: string;
  /** The version its runtime serves the model under, when a model repository's (SERVED_VERSION_ANNOTATION). */
  readonly servedVersion?: string;
  /** On a runtime with serving: Shared, the node's server its model loader loads the model into (LABELS.modelServer). */
  readonly server?: string;
  /** The DaemonSet that controls the pod. */
  readonly owner: { readonly name: string; readonly uid: string };
  /** Where the runtime serves the Open Inference Protocol, once the pod has an IP and names an http port. */
  readonly endpoint?: { readonly ip: string; readonly port: number };
  readonly artifact: {
    readonly uri: string;
    readonly sha256: string;
    readonly sizeBytes: number;
    readonly signatureUri?: string;
    /** The Secret holding the public key, when the variant is signed and no trust policy applies. */
    readonly publicKeyRef?: { readonly name: string; readonly key: string };
    /** The trust policies' keys for the model (concatenated PEM), which replace publicKeyRef when a policy applies. */
    readonly publicKeys?: string;
    /** The trust policies accept only edgefleet v2 (scoped) statements. */
    readonly scopedOnly?: boolean;
  };
  /** The variant's labelled evaluation data, which the node's agent scores the runtime on. */
  readonly evaluation?: AssignedEvaluation;
}

/**
 * Why a pod with the operator's label is not taken as a runtime: not-owned (no DaemonSet controls
 * it), unlabelled (no model, version or variant label), contract (its env lacks part of the
 * artifact contract).
 */
export type SkipReason = "not-owned" | "unlabelled" | "contract";

export interface Skipped {
  key: string;
  reason: SkipReason;
  problem: string;
}

export type WorkloadResult = { ok: true; workload: RuntimeWorkload } | ({ ok: false } & Skipped);

const ENV = {
  uri: "EDGEFLEET_ARTIFACT_URI",
  sha256: "EDGEFLEET_ARTIFACT_SHA256",
  size: "EDGEFLEET_ARTIFACT_SIZE_BYTES",
  signatureUri: "EDGEFLEET_SIGNATURE_URI",
  publicKey: "EDGEFLEET_SIGNATURE_PUBLIC_KEY",
  publicKeys: SIGNATURE_PUBLIC_KEYS_ENV,
  scopedOnly: SIGNATURE_SCOPED_ONLY_ENV,
} as const;

/**
 * Pods the simulator serves: the operator's runtime pods, bound to a node, not being deleted. A
 * Shared runtime's server pod is not one: its models' loader pods are, and the node serves them.
 */
export function isRuntimePod(pod: V1Pod): boolean {
  const labels = pod.metadata?.labels ?? {};
  return labels[LABELS.managedBy] === MANAGER && !labels[LABELS.runtimeServer] && !!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp;
}

/** The pod's controller, when it is a DaemonSet (what the operator runs runtimes as). */
function daemonSetOwner(pod: V1Pod): { name: string; uid: string } | undefined {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref?.apiVersion === "apps/v1" && ref.kind === "DaemonSet" && ref.name && ref.uid ? { name: ref.name, uid: ref.uid } : undefined;
}

/**
 * Reads a runtime pod's workload. The model is the pod's namespace and its edgefleet.io/model
 * label, never its env: a pod's env is whatever its author wrote, while its namespace is where its
 * author may create pods. A pod that cannot be read is reported, not skipped silently: it is a
 * decoy, or an operator and agent of different versions.
 */
export function workloadOf(pod: V1Pod): WorkloadResult {
  const namespace = pod.metadata?.namespace ?? "";
  const key = `${namespace}/${pod.metadata?.name ?? ""}`;
  const owner = daemonSetOwner(pod);
  if (!owner) return { ok: false, key, reason: "not-owned", problem: "runtime pod is not controlled by a DaemonSet" };
  const labels = pod.metadata?.labels ?? {};
  const [model, version, variant] = [LABELS.model, LABELS.modelVersion, LABELS.variant].map((l) => labels[l] ?? "");
  if (!namespace || !model || !version || !variant)
    return {
      ok: false,
      key,
      reason: "unlabelled",
      problem: `runtime pod needs the ${LABELS.model}, ${LABELS.modelVersion} and ${LABELS.variant} labels`,
    };
  const container = pod.spec?.containers[0];
  const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
  const value = (name: string) => env.get(name)?.value;
  const missing = [ENV.uri, ENV.sha256, ENV.size].filter((n) => !value(n));
  if (missing.length)
    return { ok: false, key, reason: "contract", problem: `runtime pod lacks ${missing.join(", ")} in its first container's env` };
  const sizeBytes = Number(value(ENV.size));
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
    return { ok: false, key, reason: "contract", problem: `${ENV.size} must be a positive integer` };
  const secretRef = env.get(ENV.publicKey)?.valueFrom?.secretKeyRef;
  const port = container?.ports?.find((p) => p.name === "http")?.containerPort;
  const ip = pod.status?.podIP;
  const signatureUri = value(ENV.signatureUri);
  const publicKeys = value(ENV.publicKeys);
  const evaluation = evaluationFromEnv(value);
  const servedVersion = pod.metadata?.annotations?.[SERVED_VERSION_ANNOTATION];
  const server = labels[LABELS.modelServer];
  return {
    ok: true,
    workload: {
      key,
      node: pod.spec?.nodeName ?? "",
      namespace,
      model,
      version,
      variant,
      runtime: pod.metadata?.annotations?.["edgefleet.io/runtime"] ?? "unknown",
      ...(servedVersion ? { servedVersion } : {}),
      ...(server ? { server } : {}),
      owner,
      ...(ip && port ? { endpoint: { ip, port } } : {}),
      artifact: {
        uri: value(ENV.uri) ?? "",
        sha256: value(ENV.sha256) ?? "",
        sizeBytes,
        ...(signatureUri ? { signatureUri } : {}),
        ...(secretRef?.name && secretRef.key ? { publicKeyRef: { name: secretRef.name, key: secretRef.key } } : {}),
        ...(publicKeys ? { publicKeys } : {}),
        ...(value(ENV.scopedOnly) === "true" ? { scopedOnly: true } : {}),
      },
      ...(evaluation ? { evaluation } : {}),
    },
  };
}

/** Every node's workloads, by node name, plus the pods that could not be read. */
export function workloadsByNode(pods: readonly V1Pod[]): { byNode: Map<string, RuntimeWorkload[]>; problems: Skipped[] } {
  const byNode = new Map<string, RuntimeWorkload[]>();
  const problems: Skipped[] = [];
  for (const pod of pods.filter(isRuntimePod)) {
    const result = workloadOf(pod);
    if (!result.ok) {
      const { ok: _, ...skipped } = result;
      problems.push(skipped);
      continue;
    }
    const list = byNode.get(result.workload.node) ?? [];
    list.push(result.workload);
    byNode.set(result.workload.node, list);
  }
  for (const list of byNode.values()) list.sort((a, b) => a.key.localeCompare(b.key));
  return { byNode, problems };
}
