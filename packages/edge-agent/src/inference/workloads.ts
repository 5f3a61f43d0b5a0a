import { LABELS, MANAGER } from "@edgefleet/api";
import type { V1Pod } from "@kubernetes/client-node";

/**
 * What one runtime pod asks its node to serve, read from the operator's env contract
 * (packages/operator/src/planner/model-env.ts): the fleet simulator serves it, the agent probes it.
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
  /** Where the runtime serves the Open Inference Protocol, once the pod has an IP and names an http port. */
  readonly endpoint?: { readonly ip: string; readonly port: number };
  readonly artifact: {
    readonly uri: string;
    readonly sha256: string;
    readonly sizeBytes: number;
    readonly signatureUri?: string;
    /** The Secret holding the public key, when the variant is signed. */
    readonly publicKeyRef?: { readonly name: string; readonly key: string };
  };
}

export type WorkloadResult = { ok: true; workload: RuntimeWorkload } | { ok: false; key: string; problem: string };

const ENV = {
  model: "EDGEFLEET_MODEL",
  version: "EDGEFLEET_MODEL_VERSION",
  variant: "EDGEFLEET_VARIANT",
  uri: "EDGEFLEET_ARTIFACT_URI",
  sha256: "EDGEFLEET_ARTIFACT_SHA256",
  size: "EDGEFLEET_ARTIFACT_SIZE_BYTES",
  signatureUri: "EDGEFLEET_SIGNATURE_URI",
  publicKey: "EDGEFLEET_SIGNATURE_PUBLIC_KEY",
} as const;

/** Pods the simulator serves: the operator's runtime pods, bound to a node, not being deleted. */
export function isRuntimePod(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[LABELS.managedBy] === MANAGER && !!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp;
}

/**
 * Reads a runtime pod's workload. A pod missing part of the contract is reported, not skipped
 * silently: it means an operator and simulator of different versions.
 */
export function workloadOf(pod: V1Pod): WorkloadResult {
  const key = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
  const container = pod.spec?.containers[0];
  const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
  const value = (name: string) => env.get(name)?.value;
  const missing = [ENV.model, ENV.version, ENV.variant, ENV.uri, ENV.sha256, ENV.size].filter((n) => !value(n));
  if (missing.length) return { ok: false, key, problem: `runtime pod lacks ${missing.join(", ")} in its first container's env` };
  const [namespace = "", model = ""] = (value(ENV.model) ?? "").split("/");
  const sizeBytes = Number(value(ENV.size));
  if (!namespace || !model || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
    return { ok: false, key, problem: `${ENV.model} must be namespace/name and ${ENV.size} a positive integer` };
  const secretRef = env.get(ENV.publicKey)?.valueFrom?.secretKeyRef;
  const port = container?.ports?.find((p) => p.name === "http")?.containerPort;
  const ip = pod.status?.podIP;
  const signatureUri = value(ENV.signatureUri);
  return {
    ok: true,
    workload: {
      key,
      node: pod.spec?.nodeName ?? "",
      namespace,
      model,
      version: value(ENV.version) ?? "",
      variant: value(ENV.variant) ?? "",
      runtime: pod.metadata?.annotations?.["edgefleet.io/runtime"] ?? "unknown",
      ...(ip && port ? { endpoint: { ip, port } } : {}),
      artifact: {
        uri: value(ENV.uri) ?? "",
        sha256: value(ENV.sha256) ?? "",
        sizeBytes,
        ...(signatureUri ? { signatureUri } : {}),
        ...(secretRef?.name && secretRef.key ? { publicKeyRef: { name: secretRef.name, key: secretRef.key } } : {}),
      },
    },
  };
}

/** Every node's workloads, by node name, plus the pods that could not be read. */
export function workloadsByNode(pods: readonly V1Pod[]): {
  byNode: Map<string, RuntimeWorkload[]>;
  problems: { key: string; problem: string }[];
} {
  const byNode = new Map<string, RuntimeWorkload[]>();
  const problems: { key: string; problem: string }[] = [];
  for (const pod of pods.filter(isRuntimePod)) {
    const result = workloadOf(pod);
    if (!result.ok) {
      problems.push({ key: result.key, problem: result.problem });
      continue;
    }
    const list = byNode.get(result.workload.node) ?? [];
    list.push(result.workload);
    byNode.set(result.workload.node, list);
  }
  for (const list of byNode.values()) list.sort((a, b) => a.key.localeCompare(b.key));
  return { byNode, problems };
}
