import { buildTopic, TOPIC_ROOT } from "../telemetry/topic.js";

/** Any message here makes every agent publish its birth again (docs/telemetry.md). */
export const REBIRTH_TOPIC = `${TOPIC_ROOT}/control/rebirth`;

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
