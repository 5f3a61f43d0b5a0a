import { ALL_NODES, allNodesOf } from "@edgefleet/telemetry";

/**
 * The gateway's topic filters. Shared, every topic of every node: telemetry is split across the
 * group, and wrong topics are counted once. Births and deaths must reach every gateway (each keeps
 * the whole device registry and exports edgefleet_device_up), so they come again through an
 * unshared subscription, and their copies through the shared one are ignored.
 */
export function subscriptions(sharedGroup: string | undefined): { stream: string; registry: string[] } {
  if (sharedGroup === undefined) return { stream: ALL_NODES, registry: [] };
  return { stream: `$share/${sharedGroup}/${ALL_NODES}`, registry: [allNodesOf("birth"), allNodesOf("death")] };
}
