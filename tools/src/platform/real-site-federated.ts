import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FederatedRound, type FederatedTraining, IMAGE_UID, PROGRESS_KEYS } from "@edgefleet/api";
import { federatedChildren } from "@edgefleet/operator";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";

export interface TrainerPodsOptions {
  readonly core: CoreV1Api;
  /** The cluster's kubeconfig, for kubectl. */
  readonly kubeconfig: string;
  /** Created here; the job's objects go into it. */
  readonly namespace: string;
  /** The real node both clients and the coordinator run on. */
  readonly node: string;
  /** The federated-trainer image's reference, loaded into the node's containerd. */
  readonly image: string;
  readonly rounds: number;
  readonly timeoutMs: number;
  /** A line per change of the pods' states and per round. */
  readonly say?: (line: string) => void;
}

export interface TrainerPodsRun {
  readonly coordinator: V1Pod;
  /** The progress ConfigMap's data once the coordinator ended. */
  readonly progress: Record<string, string>;
  readonly rounds: FederatedRound[];
  /** The directory spec.output.path named, on this host: the caller removes it. */
  readonly out: string;
  readonly seconds: number;
  /** The last lines of the coordinator's and clients' logs, for an error. */
  readonly logs: () => string;
}

const JOB = "digits";

/**
 * A FederatedTraining's pods in the federated-trainer image on one real node: the operator's
 * children of a job started on two devices (federatedChildren), both this node (a job needs two,
 * a machine runs one real node), created with kubectl as the operator would create them but not
 * owned by a FederatedTraining (the operator would start that on its own nodes). Waits until the
 * coordinator pod has ended, saying each round as it lands.
 */
export async function runTrainerPods(o: TrainerPodsOptions): Promise<TrainerPodsRun> {
  const say = o.say ?? (() => undefined);
  // spec.output.path, the image's user's (a hostPath the kubelet made would be root's), under /tmp:
  // the container sees it at the same path, and its parents there must let that user through
  // (under /root they would not: the image's /root is root's alone).
  const out = mkdtempSync(join(tmpdir(), "edgefleet-fl-out-"));
  chownSync(out, IMAGE_UID, IMAGE_UID);
  const job: FederatedTraining = {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "FederatedTraining",
    metadata: { name: JOB, namespace: o.namespace, uid: "" },
    spec: {
      model: "digits",
      trainer: { image: o.image },
      rounds: o.rounds,
      devicesPerRoundPercent: 100,
      output: { path: out },
      // The coordinator on the real node too, not on a kwok node of the same cluster.
      coordinator: { nodeSelector: { "kubernetes.io/hostname": o.node } },
    },
  };
  const children = federatedChildren(job, [o.node, o.node]);
  const items = [
    children.progress,
    children.service,
    children.networkPolicy,
    ...children.identity,
    children.coordinator,
    ...children.clients,
  ];
  const kubectl = (args: string[], input?: string) =>
    spawnSync("kubectl", ["--kubeconfig", o.kubeconfig, ...args], { encoding: "utf8", timeout: 60_000, ...(input ? { input } : {}) });
  const created = kubectl(["create", "namespace", o.namespace]);
  if (created.status !== 0) throw new Error(`kubectl create namespace ${o.namespace}: ${created.stderr}`);
  const list = {
    apiVersion: "v1",
    kind: "List",
    items: items.map((i) => ({ ...i, metadata: { ...i.metadata, ownerReferences: undefined } })),
  };
  const applied = kubectl(["create", "-f", "-"], JSON.stringify(list));
  if (applied.status !== 0) throw new Error(`kubectl create of the job's children: ${applied.stderr}`);
  say(`created ${items.map((i) => `${i.kind?.toLowerCase()}/${i.metadata?.name}`).join(", ")}`);

  const pods = [children.coordinator, ...children.clients].map((p) => p.metadata?.name ?? "");
  const logs = () => pods.map((pod) => `--- ${pod}:\n${kubectl(["logs", "-n", o.namespace, pod, "--tail", "40"]).stdout}`).join("\n");
  const started = Date.now();
  let seen = "";
  let roundsSeen = 0;
  const progress = async () =>
    (await o.core.readNamespacedConfigMap({ name: children.progress.metadata?.name ?? "", namespace: o.namespace })).data ?? {};
  for (;;) {
    const all = (await o.core.listNamespacedPod({ namespace: o.namespace })).items;
    const state = all.map((p) => `${p.metadata?.name} ${podPhase(p)}`).join(", ");
    if (state !== seen) say(state);
    seen = state;
    // Read after the pods: once they show the coordinator ended, this holds everything it wrote.
    const data = await progress();
    const rounds = parseRounds(data[PROGRESS_KEYS.rounds]);
    for (const r of rounds.slice(roundsSeen))
      say(`round ${r.round}: ${r.participants} of ${r.sampled} devices trained, accuracy ${r.accuracyPercent?.toFixed(1)}%`);
    roundsSeen = rounds.length;
    const coordinator = all.find((p) => p.metadata?.name === children.coordinator.metadata?.name);
    if (coordinator?.status?.phase === "Succeeded" || coordinator?.status?.phase === "Failed") {
      return {
        coordinator,
        progress: data,
        rounds,
        out,
        seconds: (Date.now() - started) / 1000,
        logs,
      };
    }
    if (Date.now() - started > o.timeoutMs)
      throw new Error(`the coordinator pod did not end in ${o.timeoutMs / 1000}s (${state})\n${logs()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const parseRounds = (text: string | undefined): FederatedRound[] =>
  (text ?? "")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FederatedRound);

/** The pod's phase, or what its container waits for (ContainerCreating while its CA is not there yet). */
function podPhase(p: V1Pod): string {
  const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
  return waiting ?? p.status?.phase ?? "Pending";
}
