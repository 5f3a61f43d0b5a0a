import { existsSync } from "node:fs";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { LABELS } from "../fleet/nodes.js";
import { table } from "../table.js";

export function kubeConfigFor(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Whether the cluster's API server answers /readyz. */
export async function apiserverReady(kubeconfig: string): Promise<boolean> {
  if (!existsSync(kubeconfig)) return false;
  try {
    await kubeConfigFor(kubeconfig).makeApiClient(CoreV1Api).listNode({ limit: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Polls apiserverReady: kwokctl's `start --wait` has been seen to return before the API server serves. */
export async function waitForApiserver(kubeconfig: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await apiserverReady(kubeconfig))) {
    if (Date.now() > deadline)
      throw new Error(`the API server did not answer within ${timeoutMs / 1000}s; see its log under the cluster's logs/`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Polls until `expected` nodes of the profile are Ready, reporting progress when it changes. */
export async function waitForNodesReady(
  kc: KubeConfig,
  profile: string,
  expected: number,
  onProgress: (ready: number) => void,
  timeoutMs = 300_000,
): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const nodes = await api.listNode({ labelSelector: `${LABELS.profile}=${profile}` });
    const ready = nodes.items.filter(isReady).length;
    if (ready !== last) onProgress(ready);
    last = ready;
    if (ready >= expected) return;
    if (Date.now() > deadline)
      throw new Error(
        `only ${ready}/${expected} fleet nodes became Ready within ${timeoutMs / 1000}s; is kwok-controller running? (tools/edgefleet cluster status)`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Human-readable summary: cluster, API server, kubeconfig, nodes per class (or per node). */
export async function fleetSummary(cluster: string, kubeconfig: string, opts: { perNode?: boolean } = {}): Promise<string> {
  const kc = kubeConfigFor(kubeconfig);
  const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
  const label = (n: V1Node, k: string) => n.metadata?.labels?.[k] ?? "-";
  if (opts.perNode) {
    const rows = nodes.map((n) => [
      n.metadata?.name ?? "",
      label(n, LABELS.hardwareClass),
      label(n, LABELS.site),
      label(n, "kubernetes.io/arch"),
      label(n, LABELS.accelerator),
      isReady(n) ? "Ready" : "NotReady",
    ]);
    return table([["NAME", "CLASS", "SITE", "ARCH", "ACCELERATOR", "STATUS"], ...rows]);
  }
  const byClass = new Map<string, { total: number; ready: number }>();
  for (const n of nodes) {
    const c = byClass.get(label(n, LABELS.hardwareClass)) ?? { total: 0, ready: 0 };
    c.total++;
    if (isReady(n)) c.ready++;
    byClass.set(label(n, LABELS.hardwareClass), c);
  }
  const ready = nodes.filter(isReady).length;
  return [
    `cluster     ${cluster} (running)`,
    `api server  ${kc.getCurrentCluster()?.server ?? "?"}`,
    `kubeconfig  ${kubeconfig}`,
    `nodes       ${nodes.length} (${ready} Ready)`,
    table([["  CLASS", "NODES", "READY"], ...[...byClass].sort().map(([c, v]) => [`  ${c}`, String(v.total), String(v.ready)])]),
  ].join("\n");
}
