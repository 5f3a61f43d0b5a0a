import { LABELS, MANAGER } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import { isNotFound, type KubeClient } from "@edgefleet/kube";
import type { V1DaemonSet, V1Pod } from "@kubernetes/client-node";
import type { InferenceTarget } from "../inference/target.js";
import { type RuntimeWorkload, type Skipped, type SkipReason, workloadsByNode } from "../inference/workloads.js";

/** The target a workload is probed as, once its pod has an IP and names an http port. */
function targetOf(w: RuntimeWorkload): InferenceTarget[] {
  return w.endpoint
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
    : [];
}

/** This node's readable runtime workloads, and the pods skipped (decoys and broken pods). */
export function nodeWorkloads(node: string, pods: readonly V1Pod[]): { workloads: RuntimeWorkload[]; skipped: Skipped[] } {
  const { byNode, problems } = workloadsByNode(pods.filter((p) => p.spec?.nodeName === node));
  return { workloads: byNode.get(node) ?? [], skipped: problems };
}

/**
 * Whether the DaemonSet a runtime pod names as its controller is the operator's for the pod's
 * model: the same object (uid, so a deleted and re-created namesake does not count), labelled as
 * the operator labels its DaemonSets, for the model the pod claims. Creating such a DaemonSet takes
 * write access to DaemonSets in the model's namespace, which is the access that deploys the model
 * anyway; a pod alone (any namespace, any labels, any owner reference) is not enough.
 */
export function ownerVouches(ds: V1DaemonSet | undefined, w: RuntimeWorkload): boolean {
  const labels = ds?.metadata?.labels ?? {};
  return (
    ds?.metadata?.uid === w.owner.uid &&
    ds.metadata?.namespace === w.namespace &&
    labels[LABELS.managedBy] === MANAGER &&
    labels[LABELS.model] === w.model
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
  /** Counts a pod left out of the targets, once per refresh it is left out in. */
  readonly skipped?: (reason: SkipReason) => void;
}

/**
 * Keeps the prober's targets equal to the operator's runtimes on this node. Polling one filtered
 * list: a device holds no watch open, and a missed refresh only delays a new runtime's first probe.
 * A pod counts only when its controlling DaemonSet is the operator's for its model, read once per
 * DaemonSet uid: anyone who may create a pod could otherwise report latency under any model.
 */
export class RuntimeDiscovery {
  /**
   * Verdicts on owner DaemonSets, for the owners of the current pods only, by uid and the model the
   * pod claims: a decoy naming a vouched-for DaemonSet's uid under another model is judged afresh.
   */
  private verdicts = new Map<string, boolean>();

  constructor(private readonly options: DiscoveryOptions) {}

  /** Never rejects: a failed list keeps the previous targets, logged. */
  async refresh(): Promise<void> {
    const { client, node, log, update } = this.options;
    let pods: V1Pod[];
    try {
      pods = (await client.request<{ items: V1Pod[] }>({ method: "GET", path: runtimePodsPath(node) })).items;
    } catch (err) {
      log.warn("runtime discovery failed; keeping the previous targets", { error: String(err) });
      return;
    }
    const { workloads, skipped } = nodeWorkloads(node, pods);
    for (const s of skipped) this.skip(s);
    const verdicts = new Map<string, boolean>();
    const trusted: RuntimeWorkload[] = [];
    for (const w of workloads) {
      const claim = JSON.stringify([w.owner.uid, w.namespace, w.model]);
      const vouched = verdicts.get(claim) ?? this.verdicts.get(claim) ?? (await this.readOwner(w));
      if (vouched !== undefined) verdicts.set(claim, vouched);
      if (vouched) trusted.push(w);
      else
        this.skip({
          key: w.key,
          reason: "owner-unverified",
          problem:
            vouched === undefined
              ? `its DaemonSet ${w.owner.name} could not be read`
              : `its DaemonSet ${w.owner.name} is not the operator's for model ${w.model}`,
        });
    }
    this.verdicts = verdicts;
    update(trusted.flatMap(targetOf));
  }

  /** The owner's verdict, or undefined when it could not be read (asked again next refresh). */
  private async readOwner(w: RuntimeWorkload): Promise<boolean | undefined> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(w.namespace)}/daemonsets/${encodeURIComponent(w.owner.name)}`;
    try {
      return ownerVouches(await this.options.client.request<V1DaemonSet>({ method: "GET", path }), w);
    } catch (err) {
      if (isNotFound(err)) return false;
      this.options.log.warn("cannot read a runtime pod's DaemonSet", { pod: w.key, error: String(err) });
      return undefined;
    }
  }

  private skip(s: Skipped): void {
    this.options.log.debug("runtime pod skipped", { ...s });
    this.options.skipped?.(s.reason);
  }
}
