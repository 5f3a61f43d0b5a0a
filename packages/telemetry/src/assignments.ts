import { ARTIFACT_URI_PATTERN } from "@edgefleet/api";
import { type Static, Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { MAX_INFERENCE_STATS, SCHEMA_VERSION } from "./schema.js";
import { buildTopic, TOPIC_ROOT } from "./topic.js";

/**
 * Where the operator publishes each node's assignments (retained):
 * edgefleet/v1/control/assignments/<site>/<node>. Six segments, so the gateway's
 * edgefleet/v1/+/+/+ never receives them, and outside the node's own edgefleet/v1/<site>/<node>/+,
 * so a node reads its assignments but cannot write them.
 */
export const ASSIGNMENTS_ROOT = `${TOPIC_ROOT}/control/assignments`;

/** One node's assignments topic; throws on a site or node that cannot be a topic segment. */
export function assignmentsTopic(site: string, node: string): string {
  // buildTopic checks both segments; its kind is only there to satisfy it.
  buildTopic({ site, node, kind: "birth" });
  return `${ASSIGNMENTS_ROOT}/${site}/${node}`;
}

/** Every node's assignments topic at one site, for the operator's clean-up of nodes it no longer assigns to. */
export const allAssignmentsOf = (site: string): string => `${ASSIGNMENTS_ROOT}/${site}/+`;

/** The node a site's assignments topic is for, or undefined for any other topic. */
export function assignmentsNode(site: string, topic: string): string | undefined {
  const prefix = `${ASSIGNMENTS_ROOT}/${site}/`;
  const node = topic.startsWith(prefix) ? topic.slice(prefix.length) : "";
  return node && !node.includes("/") ? node : undefined;
}

/**
 * The size limit of an assignments message, checked before parsing: room for the 64 runtimes a
 * message holds each with an evaluation URI of several hundred characters (not all at the schema's
 * 2048), under the broker's max_packet_size (69632).
 */
export const MAX_ASSIGNMENTS_BYTES = 65_536;

const Name = Type.String({ minLength: 1, maxLength: 253 });

/**
 * The labelled evaluation data of the variant a runtime serves (its profile.accuracy.evaluation),
 * which the agent fetches, checks against sha256 and scores the runtime on.
 */
export const AssignedEvaluation = Type.Object(
  {
    /** An artifact URI as EdgeModels name them (https://, oci://). */
    uri: Type.String({ minLength: 1, maxLength: 2048, pattern: ARTIFACT_URI_PATTERN }),
    sha256: Type.String({ pattern: "^[a-f0-9]{64}$" }),
    /** How many samples the variant's profile.accuracy.percent is over. */
    samples: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type AssignedEvaluation = Static<typeof AssignedEvaluation>;

/**
 * The runtime pod's env through which the operator passes a variant's evaluation data
 * (planner/model-env.ts); the assignments and the fleet simulator read it back with evaluationFromEnv.
 */
export const EVALUATION_ENV = {
  uri: "EDGEFLEET_EVALUATION_URI",
  sha256: "EDGEFLEET_EVALUATION_SHA256",
  samples: "EDGEFLEET_EVALUATION_SAMPLES",
} as const;

const EVALUATION_CHECKER = TypeCompiler.Compile(AssignedEvaluation);

/** The evaluation a runtime pod's env names, or undefined when it names none or not all of it validly. */
export function evaluationFromEnv(value: (name: string) => string | undefined): AssignedEvaluation | undefined {
  const candidate = {
    uri: value(EVALUATION_ENV.uri),
    sha256: value(EVALUATION_ENV.sha256),
    samples: Number(value(EVALUATION_ENV.samples)),
  };
  return EVALUATION_CHECKER.Check(candidate) ? candidate : undefined;
}

/** One runtime the node runs for the operator, and where the agent probes it. */
export const AssignedRuntime = Type.Object(
  {
    namespace: Name,
    model: Name,
    version: Name,
    variant: Name,
    /** The EdgeRuntime's name (onnx, tensorrt, ...). */
    runtime: Name,
    /** The runtime pod's Open Inference Protocol v2 base URL: http://<pod IP>:<http port>. */
    baseUrl: Type.String({ pattern: "^http://[0-9a-fA-F.:\\[\\]]+:[0-9]{1,5}$", maxLength: 64 }),
    /** Whether the runtime serves edgefleet's runtime metrics at baseUrl/metrics (the CPU runtime does). */
    runtimeMetrics: Type.Boolean(),
    /** The labelled data the agent scores the runtime on; absent when the variant names none. */
    evaluation: Type.Optional(AssignedEvaluation),
    /**
     * The version the runtime serves the model under when it is not `version`: a model
     * repository's (Triton's numbered version directory). The agent probes that one and reports `version`.
     */
    servedVersion: Type.Optional(Name),
  },
  { additionalProperties: false },
);
export type AssignedRuntime = Static<typeof AssignedRuntime>;

/**
 * What the operator assigns one node: its runtime pods that have an address, at most as many as
 * one telemetry message reports. An empty retained message on the topic means none.
 */
export const AssignmentsPayload = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    runtimes: Type.Array(AssignedRuntime, { maxItems: MAX_INFERENCE_STATS }),
  },
  { additionalProperties: false },
);
export type AssignmentsPayload = Static<typeof AssignmentsPayload>;

const CHECKER = TypeCompiler.Compile(AssignmentsPayload);

/** Why an assignments message was refused, for a bounded metric label. */
export const ASSIGNMENT_REJECTIONS = ["oversized", "malformed-json", "invalid-payload"] as const;
export type AssignmentRejection = (typeof ASSIGNMENT_REJECTIONS)[number];

export type AssignmentsResult = { ok: true; payload: AssignmentsPayload } | { ok: false; code: AssignmentRejection; reason: string };

/** Checks one assignments message: size before parsing, JSON, schema. An empty message is no runtimes. */
export function parseAssignments(body: Uint8Array): AssignmentsResult {
  if (body.byteLength === 0) return { ok: true, payload: { schemaVersion: SCHEMA_VERSION, runtimes: [] } };
  if (body.byteLength > MAX_ASSIGNMENTS_BYTES)
    return { ok: false, code: "oversized", reason: `assignments are ${body.byteLength} bytes, the limit is ${MAX_ASSIGNMENTS_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (err) {
    return { ok: false, code: "malformed-json", reason: (err as Error).message };
  }
  if (!CHECKER.Check(json)) {
    const error = CHECKER.Errors(json).First();
    return {
      ok: false,
      code: "invalid-payload",
      reason: error === undefined ? "/: not an assignments payload" : `${error.path || "/"}: ${error.message}`,
    };
  }
  return { ok: true, payload: json };
}
