import { createHash } from "node:crypto";

/**
 * Which nodes of a hardware class run the new version at a step. Nodes are ranked by a hash of
 * the model's uid and the node's name: the order is stable from one reconcile (and operator) to
 * the next, differs between models (so one unlucky node is not every model's canary), and needs
 * no state beyond the canary workload itself.
 */

/** Nodes of a class of `total` at `percent`: rounded up, at least one, at most all. */
export function nodesForStep(total: number, percent: number): number {
  if (total <= 0) return 0;
  return Math.min(total, Math.max(1, Math.ceil((total * percent) / 100)));
}

/** The class's nodes in canary order for this model. */
export function canaryOrder(seed: string, nodes: readonly string[]): string[] {
  const rank = new Map(nodes.map((n) => [n, createHash("sha256").update(`${seed}/${n}`).digest("hex")]));
  return [...nodes].sort((a, b) => ((rank.get(a) ?? "") < (rank.get(b) ?? "") ? -1 : 1));
}

export interface CanaryInput {
  /** The model's uid. */
  seed: string;
  /** The class's nodes the model targets now. */
  nodes: readonly string[];
  /** Nodes already on the new version (read from the canary workload); "all" when it covers the whole class. */
  previous: readonly string[] | "all";
  percent: number;
}

/**
 * The nodes on the new version, sorted by name. Nodes already on it stay on it (a step only adds
 * nodes, and a node joining mid-rollout never displaces one); the step's count is topped up in
 * canary order, so a joining node moves to the new version only when the class's share needs one
 * more node. When the class shrank below the count, the last in canary order go back first.
 */
export function canaryNodes({ seed, nodes, previous, percent }: CanaryInput): string[] {
  const count = nodesForStep(nodes.length, percent);
  const order = canaryOrder(seed, nodes);
  const had = new Set(previous === "all" ? nodes : previous);
  const kept = order.filter((n) => had.has(n));
  const added = order.filter((n) => !had.has(n));
  return [...kept.slice(0, count), ...added.slice(0, Math.max(0, count - kept.length))].sort();
}
