import { MESSAGE_KINDS, type MessageKind } from "./schema.js";

/** The topic prefix; the v1 segment moves only with an incompatible topic or payload change. */
export const TOPIC_ROOT = "edgefleet/v1";

/** Any message here makes every agent publish its birth again; four segments, so never a node's topic. */
export const REBIRTH_TOPIC = `${TOPIC_ROOT}/control/rebirth`;

/** Every node's messages: edgefleet/v1/<site>/<node>/<kind>. */
export const ALL_NODES = `${TOPIC_ROOT}/+/+/+`;

/** One kind of message from every node, e.g. edgefleet/v1/+/+/birth. */
export const allNodesOf = (kind: MessageKind): string => `${TOPIC_ROOT}/+/+/${kind}`;

export interface Topic {
  readonly site: string;
  readonly node: string;
  readonly kind: MessageKind;
}

export type TopicResult = { ok: true; topic: Topic } | { ok: false; reason: string };

/**
 * Site and node names as Kubernetes names them (lowercase DNS labels, dots allowed in node names),
 * which also keeps MQTT wildcards (+ #) and separators out of a segment.
 */
const SEGMENT = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;

function segmentProblem(what: "site" | "node", value: string): string | undefined {
  return SEGMENT.test(value) ? undefined : `${what} ${JSON.stringify(value)} is not a lowercase DNS name of at most 63 characters`;
}

function isKind(value: string): value is MessageKind {
  return (MESSAGE_KINDS as string[]).includes(value);
}

/** The topic a node publishes one kind of message on; throws on a name that cannot be a segment. */
export function buildTopic(topic: Topic): string {
  const problem = segmentProblem("site", topic.site) ?? segmentProblem("node", topic.node);
  if (problem !== undefined) throw new Error(`cannot build topic: ${problem}`);
  return `${TOPIC_ROOT}/${topic.site}/${topic.node}/${topic.kind}`;
}

export function parseTopic(topic: string): TopicResult {
  const parts = topic.split("/");
  if (parts.length !== 5) return { ok: false, reason: `expected 5 segments (${TOPIC_ROOT}/<site>/<node>/<kind>), got ${parts.length}` };
  const [root, version, site = "", node = "", kind = ""] = parts;
  if (`${root}/${version}` !== TOPIC_ROOT) return { ok: false, reason: `topic does not start with ${TOPIC_ROOT}/` };
  const problem = segmentProblem("site", site) ?? segmentProblem("node", node);
  if (problem !== undefined) return { ok: false, reason: problem };
  if (!isKind(kind)) return { ok: false, reason: `unknown message kind ${JSON.stringify(kind)} (expected ${MESSAGE_KINDS.join(", ")})` };
  return { ok: true, topic: { site, node, kind } };
}
