import { LABELS, MANAGER } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import type { KubeClient } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";
import type { InferenceTarget } from "../inference/target.js";
import { workloadsByNode } from "../inference/workloads.js";

/**
 * The runtimes to probe on a node, from the operator's runtime pods bound to it: each pod's model
 * version (the env contract) at its pod IP and http port. Pods without an IP yet are left out
 * until the next refresh.
 */
export function targetsFromPods(node: string, pods: readonly V1Pod[]): InferenceTarget[] {
  return (workloadsByNode(pods).byNode.get(node) ?? []).flatMap((w) =>
    w.endpoint
      ? [
          {
            baseUrl: `http://${w.endpoint.ip}:${w.endpoint.port}`,
            namespace: w.namespace,
            model: w.model,
            version: w.version,
            variant: w.variant,
            runtime: w.runtime,
            runtimeMetrics: w.runtime === "onnx",
          },
        ]
      : [],
  );
}

/** The list request for the operator's runtime pods on one node (a field selector, so the API server filters). */
export function runtimePodsPath(node: string): string {
  const query = new URLSearchParams({
    fieldSelector: `spec.nodeName=${node}`,
    labelSelector: `${LABELS.managedBy}=${MANAGER}`,
  });
  return `/api/v1/pods?${query}`;
}

export interface DiscoveryOptions {
  readonly client: KubeClient;
  readonly node: string;
  readonly log: Logger;
  /** Receives the node's targets after every successful refresh. */
  readonly update: (targets: InferenceTarget[]) => void;
}

/**
 * Keeps the prober's targets equal to the runtimes on this node. Polling one filtered list: a
 * device holds no watch open, and a missed refresh only delays a new runtime's first probe.
 */
export class RuntimeDiscovery {
  constructor(private readonly options: DiscoveryOptions) {}

  /** Never rejects: a failed list keeps the previous targets, logged. */
  async refresh(): Promise<void> {
    const { client, node, log, update } = this.options;
    try {
      const list = await client.request<{ items: V1Pod[] }>({ method: "GET", path: runtimePodsPath(node) });
      update(targetsFromPods(node, list.items));
    } catch (err) {
      log.warn("runtime discovery failed; keeping the previous targets", { error: String(err) });
    }
  }
}
