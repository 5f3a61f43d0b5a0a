import type { EdgeModelSpec } from "@edgefleet/api";
import { parseQuantity } from "./quantity.js";

/** Whether a model's pods on a class hold the shared device (request its resources) or use a holder's. */
export type SharingRole = "holder" | "sharer";

/** What one model's placement on one hardware class takes on each of that class's nodes it runs on. */
export interface Claim {
  /** Extended resources (the runtime's accelerator resources) and memory, by resource name. */
  resources: Readonly<Record<string, number>>;
  /** For a runtime whose accelerator allows sharing: the group (runtime/accelerator) and this model's role in it. */
  sharing?: { group: string; role: SharingRole };
}

/**
 * What the placements of the models ahead of one model (older, see the ledger's order) already
 * take, as that model's plan sees it. Allocatable minus taken is what the model may still claim.
 */
export interface Capacity {
  taken(node: string, resource: string): number;
  /** Model slots left on the node's devices of a sharing group: maxModels − 1 per holder, less one per sharer. */
  freeSlots(node: string, group: string, maxModels: number): number;
  /** Devices of a sharing group held on the node: one per holder. */
  holders(node: string, group: string): number;
  /**
   * The other models (namespace/name) in a sharing group on the node, older and younger, in order:
   * for status only (what a reconcile reads; while the ledger plans, none), never for the choice.
   */
  members(node: string, group: string): string[];
}

/** Nothing taken: a model planned as if it were alone on the fleet. */
export const ALONE: Capacity = { taken: () => 0, freeSlots: () => 0, holders: () => 0, members: () => [] };

export const MEMORY = "memory";

/**
 * The memory a model's pod reserves on a node: its request, or its limit when it sets none (as
 * Kubernetes defaults it); 0 when it sets neither, or a quantity the API server would not take.
 */
export function memoryRequest(spec: EdgeModelSpec): number {
  const quantity = spec.resources?.requests?.[MEMORY] ?? spec.resources?.limits?.[MEMORY];
  if (quantity === undefined) return 0;
  try {
    return parseQuantity(quantity);
  } catch {
    return 0;
  }
}

/**
 * The sharing group of a runtime's accelerator: only models of one runtime on one accelerator share
 * a device, and of a Shared runtime, of one namespace too (namespace given): its server serves one.
 */
export function sharingGroup(runtime: string, accelerator: string, namespace?: string): string {
  return namespace === undefined ? `${runtime}/${accelerator}` : `${namespace}/${runtime}/${accelerator}`;
}

/** Whether a claim takes anything: a model taking nothing can neither block nor be blocked by others. */
export function claimsAnything(claim: Claim | undefined): claim is Claim {
  return !!claim && (claim.sharing !== undefined || Object.values(claim.resources).some((v) => v > 0));
}

/** The other models using the devices of a sharing group on any of the nodes, in order, for status. */
export function coMembers(capacity: Capacity, nodes: readonly string[], group: string): string[] {
  return [...new Set(nodes.flatMap((n) => capacity.members(n, group)))];
}
