import { TOPIC_ROOT } from "../../../edge-agent/src/telemetry/topic.js";

/** Any message here makes every agent publish its birth again (docs/telemetry.md). */
export const REBIRTH_TOPIC = `${TOPIC_ROOT}/control/rebirth`;

/** Every node's messages: edgefleet/v1/<site>/<node>/<kind>. */
export const ALL_NODES = `${TOPIC_ROOT}/+/+/+`;

/**
 * The gateway's topic filters. Shared, every topic of every node: telemetry is split across the
 * group, and wrong topics are counted once. Births and deaths must reach every gateway (each keeps
 * the whole device registry and exports edgefleet_device_up), so they come again through an
 * unshared subscription, and their copies through the shared one are ignored.
 */
export function subscriptions(sharedGroup: string | undefined): { stream: string; registry: string[] } {
  if (sharedGroup === undefined) return { stream: ALL_NODES, registry: [] };
  return { stream: `$share/${sharedGroup}/${ALL_NODES}`, registry: [`${TOPIC_ROOT}/+/+/birth`, `${TOPIC_ROOT}/+/+/death`] };
}
