import { buildTopic } from "@edgefleet/telemetry";

// Defined with the topic scheme (docs/telemetry.md); re-exported for the publisher.
export { REBIRTH_TOPIC } from "@edgefleet/telemetry";

export interface NodeTopics {
  readonly birth: string;
  readonly telemetry: string;
  readonly death: string;
}

/** The three topics one node publishes on; throws on a site or node that cannot be a topic segment. */
export function nodeTopics(site: string, node: string): NodeTopics {
  return {
    birth: buildTopic({ site, node, kind: "birth" }),
    telemetry: buildTopic({ site, node, kind: "telemetry" }),
    death: buildTopic({ site, node, kind: "death" }),
  };
}
