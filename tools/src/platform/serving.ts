import type { EdgeModel } from "@edgefleet/api";
import type { Prometheus } from "../services/prometheus.js";

export interface ServedEverywhereOptions {
  readonly prometheus: Prometheus;
  readonly namespace: string;
  readonly model: string;
  readonly version: string;
  /** The EdgeModel as it is now: its placements say how many nodes should serve. */
  readonly read: () => Promise<EdgeModel>;
  readonly pollMs: number;
  readonly timeoutMs: number;
}

/** Nodes placed for the model, over every hardware class. */
export function placedNodes(model: EdgeModel): number {
  return (model.status?.placements ?? []).reduce((n, p) => n + p.nodes, 0);
}

/**
 * Waits until every placed node serves version and none serves another, as the devices report it
 * (inference requests in the last 10 s, through the gateway and Prometheus); resolves to the number
 * of nodes. A failed query is polled again rather than ending the wait.
 */
export async function servedEverywhere(o: ServedEverywhereOptions): Promise<number> {
  const deadline = Date.now() + o.timeoutMs;
  const query = `count by (version) (rate(edgefleet_inference_requests_total{namespace="${o.namespace}",model="${o.model}"}[10s]) > 0)`;
  for (;;) {
    const rows = await o.prometheus.query(query).catch(() => []);
    const placed = placedNodes(await o.read());
    const serving = rows.find((r) => r.metric.version === o.version);
    if (placed > 0 && rows.length === 1 && Number(serving?.value[1]) === placed) return placed;
    if (Date.now() > deadline) throw new Error(`not every node reported serving ${o.version} within ${o.timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}
