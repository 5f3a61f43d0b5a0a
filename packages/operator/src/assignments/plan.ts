import { LABELS, MANAGER, SERVED_VERSION_ANNOTATION } from "@edgefleet/api";
import type { KubeObject } from "@edgefleet/kube";
import { type AssignedRuntime, evaluationFromEnv } from "@edgefleet/telemetry";
import type { V1DaemonSet, V1Pod } from "@kubernetes/client-node";

/** A runtime pod as the assignments read it: where it runs, its address, its controller. */
export interface RuntimePod extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; controllerUid?: string; deleting?: true };
  node?: string;
  ip?: string;
}

/** What an operator DaemonSet's pods serve, read from the DaemonSet the operator wrote, never from a pod. */
export interface RuntimeDaemonSet extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; uid: string };
  serves?: Omit<AssignedRuntime, "baseUrl"> & { port: number };
}

/** The runtime whose metrics the agent scrapes instead of counting its own probes (the CPU runtime's). */
const RUNTIME_WITH_METRICS = "onnx";

export function slimRuntimePod(raw: KubeObject): RuntimePod {
  const pod = raw as V1Pod;
  const m = pod.metadata ?? {};
  const controller = m.ownerReferences?.find((r) => r.controller === true && r.apiVersion === "apps/v1" && r.kind === "DaemonSet");
  return {
    metadata: {
      name: m.name ?? "",
      namespace: m.namespace ?? "",
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(controller?.uid ? { controllerUid: controller.uid } : {}),
      ...(m.deletionTimestamp ? { deleting: true as const } : {}),
    },
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
  };
}

/**
 * Keeps of an operator DaemonSet what its pods serve: model, version and variant from its pod
 * template's labels, the runtime (and a model repository's served version) from its annotations, the probe port from the port named http, the
 * variant's evaluation data from its first container's env (planner/model-env.ts), when complete. A
 * DaemonSet without all of them (not the operator's shape) serves nothing the agents probe.
 */
export function slimRuntimeDaemonSet(raw: KubeObject): RuntimeDaemonSet {
  const ds = raw as V1DaemonSet;
  const m = ds.metadata ?? {};
  const template = ds.spec?.template;
  const labels = template?.metadata?.labels ?? {};
  const [model, version, variant] = [LABELS.model, LABELS.modelVersion, LABELS.variant].map((l) => labels[l] ?? "");
  const runtime = template?.metadata?.annotations?.["edgefleet.io/runtime"] ?? "";
  const servedVersion = template?.metadata?.annotations?.[SERVED_VERSION_ANNOTATION];
  const container = template?.spec?.containers[0];
  const port = container?.ports?.find((p) => p.name === "http")?.containerPort;
  const env = new Map((container?.env ?? []).map((e) => [e.name, e.value]));
  const evaluation = evaluationFromEnv((name) => env.get(name));
  const operators = m.labels?.[LABELS.managedBy] === MANAGER && m.labels[LABELS.model] === model;
  const namespace = m.namespace ?? "";
  return {
    metadata: {
      name: m.name ?? "",
      namespace,
      uid: m.uid ?? "",
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    },
    ...(operators && model && version && variant && runtime && port
      ? {
          serves: {
            namespace,
            model,
            version,
            variant,
            runtime,
            runtimeMetrics: runtime === RUNTIME_WITH_METRICS,
            port,
            ...(evaluation ? { evaluation } : {}),
            ...(servedVersion ? { servedVersion } : {}),
          },
        }
      : {}),
  };
}

/** A URL host for an IPv4 or IPv6 pod address. */
const host = (ip: string) => (ip.includes(":") ? `[${ip}]` : ip);

/**
 * Each node's runtimes: its pods (bound, addressed, not being deleted) whose controlling DaemonSet
 * is one of the operator's, by uid, so neither a bare pod with the operator's labels nor one of
 * another DaemonSet counts, and what each serves is what that DaemonSet says. Sorted, so equal
 * assignments encode to equal messages.
 */
export function assignmentsByNode(daemonSets: Iterable<RuntimeDaemonSet>, pods: Iterable<RuntimePod>): Map<string, AssignedRuntime[]> {
  const byUid = new Map<string, RuntimeDaemonSet["serves"]>();
  for (const ds of daemonSets) if (ds.serves && ds.metadata.uid) byUid.set(ds.metadata.uid, ds.serves);
  const byNode = new Map<string, AssignedRuntime[]>();
  for (const pod of pods) {
    const serves = pod.metadata.controllerUid === undefined ? undefined : byUid.get(pod.metadata.controllerUid);
    if (!serves || !pod.node || !pod.ip || pod.metadata.deleting) continue;
    // A DaemonSet's pods live in its namespace: one elsewhere claiming its uid is not its pod.
    if (pod.metadata.namespace !== serves.namespace) continue;
    const { port, ...identity } = serves;
    const list = byNode.get(pod.node) ?? [];
    list.push({ ...identity, baseUrl: `http://${host(pod.ip)}:${port}` });
    byNode.set(pod.node, list);
  }
  for (const list of byNode.values()) list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return byNode;
}
