import { LABELS } from "@edgefleet/api";
import { parseInputs, syntheticRequest } from "@edgefleet/edge-agent";
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";

/** The platform's components, as their pods' app.kubernetes.io/name labels them. */
const COMPONENTS = ["edgefleet-edge-agent", "edgefleet-mqtt", "edgefleet-operator", "edgefleet-telemetry-gateway"];

const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

async function poll<T>(what: string, timeoutMs: number, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    // Often enough to time a model's cold start to a quarter second.
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until the platform's pods (broker, gateway, operator, agent) in namespace are all Ready on
 * node, and none elsewhere; calls progress with a line whenever what is not yet Ready changes.
 */
export function platformPodsReady(
  core: CoreV1Api,
  o: { namespace: string; node: string; timeoutMs: number; progress?: (line: string) => void },
): Promise<V1Pod[]> {
  let last = "";
  return poll(`the platform's pods Ready on ${o.node}`, o.timeoutMs, async () => {
    const pods = (await core.listNamespacedPod({ namespace: o.namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const waiting = pods.filter((p) => !ready(p) || p.spec?.nodeName !== o.node);
    const line = waiting.map((p) => `${p.metadata?.name} ${podState(p)}`).join(", ");
    if (line !== last && line) o.progress?.(`waiting for ${line}`);
    last = line;
    const names = pods.map((p) => p.metadata?.labels?.["app.kubernetes.io/name"]).sort();
    return waiting.length === 0 && COMPONENTS.every((c) => names.includes(c)) ? pods : undefined;
  });
}

/** Why a pod is not Ready yet, as kubectl get pods says it (Init:0/1, ContainerCreating, CrashLoopBackOff...). */
function podState(p: V1Pod): string {
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const reason = statuses.map((s) => s.state?.waiting?.reason ?? s.state?.terminated?.reason).find((r) => r !== undefined);
  return reason ?? p.status?.phase ?? "Pending";
}

/** The model's Ready runtime pod on node running version. */
export function servingPod(
  core: CoreV1Api,
  o: { namespace: string; model: string; version: string; node: string; timeoutMs: number },
): Promise<V1Pod> {
  return poll(`a Ready runtime pod of ${o.model} ${o.version} on ${o.node}`, o.timeoutMs, async () => {
    const pods = (await core.listNamespacedPod({ namespace: o.namespace, labelSelector: `${LABELS.model}=${o.model}` })).items;
    return pods.find(
      (p) =>
        p.spec?.nodeName === o.node &&
        p.metadata?.labels?.[LABELS.modelVersion] === o.version &&
        !p.metadata?.deletionTimestamp &&
        ready(p),
    );
  });
}

export interface InferAnswer {
  readonly model_name: string;
  readonly model_version?: string;
  readonly outputs: { name: string; shape: number[] }[];
}

/** The model's Open Inference Protocol v2 endpoint at the runtime pod's own address (its http port). */
export function modelUrl(pod: V1Pod, model: string): string {
  const port = pod.spec?.containers[0]?.ports?.find((p) => p.name === "http")?.containerPort;
  return `http://${pod.status?.podIP}:${port}/v2/models/${model}`;
}

/** An Open Inference Protocol v2 request sent to the runtime pod's own address, as a client on the site would. */
export async function inferAt(pod: V1Pod, model: string): Promise<InferAnswer> {
  const base = modelUrl(pod, model);
  // The agent's own probe request: zeros shaped as the model's metadata says.
  const body = syntheticRequest(parseInputs(await (await fetch(base)).json()));
  const res = await fetch(`${base}/infer`, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok) throw new Error(`inference at ${base}/infer answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as InferAnswer;
}
