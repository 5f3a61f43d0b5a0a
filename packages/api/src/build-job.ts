import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { MAX_VARIANTS, type ModelVariant } from "./edgemodel.js";
import { BUILD_TARGETS, type EdgeModelBuildSpec, TARGET_VERDICTS } from "./edgemodelbuild.js";
import { StringEnum } from "./kube-schema.js";

/*
 * The contract between the operator, which runs an EdgeModelBuild as a Job, and the build image's
 * command (tools/edgefleet model job, bundled), which reports back through its container's termination
 * message: the operator reads the pod's status, so the build pod needs no API access at all.
 */

/** On a build's Job and its pods: the EdgeModelBuild's name. */
export const BUILD_LABEL = "edgefleet.io/build";

/**
 * The build container's command: the model-build image's bundle of tools/edgefleet model's CLI
 * (deploy/docker/model-build.Dockerfile), its job subcommand. The fleet simulator runs
 * `tools/edgefleet model job` for it.
 */
export const MODEL_BUILD_COMMAND = ["/usr/local/bin/node", "/app/model.mjs", "job"];

/** The build container's environment variable holding the build as JSON: BuildRequest. */
export const BUILD_REQUEST_ENV = "EDGEFLEET_BUILD";

/** What the build container is asked to build. */
export interface BuildRequest {
  namespace: string;
  name: string;
  spec: EdgeModelBuildSpec;
  /**
   * With spec.publish: the EdgeModel published into, as the operator's cache had it when it created
   * the Job. Its variants no pushed build replaces are carried into the new version: verified as
   * this version's, signed for the new one and pushed (publicKeyRef and pullSecretRef Secrets
   * mounted under CARRIED_DIR). Absent when the EdgeModel did not exist then.
   */
  carry?: { version: string; variants: ModelVariant[] };
}

/** Where the build container writes its BuildSummary: the kubelet's default terminationMessagePath. */
export const BUILD_SUMMARY_PATH = "/dev/termination-log";

/** Where the build pod finds spec.publish.signingKeyRef's key (a read-only Secret volume). */
export const SIGNING_KEY_DIR = "/etc/edgefleet/signing-key";
export const SIGNING_KEY_FILE = "private-key.pem";
/** Where the build pod finds spec.publish.registryAuthRef's docker config JSON (a read-only Secret volume). */
export const PUSH_AUTH_DIR = "/etc/edgefleet/push-auth";
export const PUSH_AUTH_FILE = "config.json";

/** The build's inputs, each an artifact that may name registry credentials (its pullSecretRef). */
export const BUILD_INPUTS = ["source", "calibration", "evaluation"] as const;
export type BuildInput = (typeof BUILD_INPUTS)[number];
/** Where the build pod finds an input's pullSecretRef docker config JSON (a read-only Secret volume), and the job's flag for it. */
export const pullAuthDir = (input: BuildInput) => `/etc/edgefleet/pull-auth/${input}`;
export const PULL_AUTH_FILE = "config.json";
export const pullAuthFlag = (input: BuildInput) => `${input}-pull-auth` as const;

/** Where the build pod finds the carried variants' Secrets: one read-only projected volume, its files at carriedKeyPath and carriedPullPath. */
export const CARRIED_DIR = "/etc/edgefleet/carried";
/** A publicKeyRef's key, relative to CARRIED_DIR. */
export const carriedKeyPath = (ref: { name: string; key: string }) => `keys/${ref.name}/${ref.key}`;
/** A pullSecretRef's docker config JSON, relative to CARRIED_DIR. */
export const carriedPullPath = (ref: { name: string }) => `pull/${ref.name}/config.json`;

/** The kubelet keeps at most this much of a termination message. */
export const MAX_SUMMARY_BYTES = 4096;

const TargetSummarySchema = Type.Object({
  target: StringEnum(BUILD_TARGETS, { description: "The build." }),
  verdict: StringEnum(TARGET_VERDICTS, { description: "Built or Refused." }),
  sizeBytes: Type.Integer({ minimum: 0 }),
  sizeRatio: Type.Number({ minimum: 0 }),
  accuracyPercent: Type.Number({ minimum: 0, maximum: 100 }),
  accuracyDropPoints: Type.Number(),
  p50LatencySeconds: Type.Number({ minimum: 0 }),
  p95LatencySeconds: Type.Number({ minimum: 0 }),
});

const Hex64 = Type.String({ pattern: "^[a-f0-9]{64}$" });

/**
 * One build as the build pod pushed it, in short names to fit the termination message: t the
 * target (the variant's name), d the OCI manifest's digest (the artifact is spec.publish.to@sha256:d),
 * s the file's sha256, b its size in bytes.
 */
const PushedSummarySchema = Type.Object({
  t: StringEnum(BUILD_TARGETS, { description: "The build, and the variant's name." }),
  d: Hex64,
  s: Hex64,
  b: Type.Integer({ minimum: 1 }),
});

/**
 * What the build pod did of spec.publish: the pushed builds, best first, and k, the manifest
 * digests of the variants it carried (in the order keptVariants gives them of the request's carry:
 * their files are unchanged, only the signature is new); or why it pushed none.
 */
const PublishSummarySchema = Type.Union([
  Type.Object({
    pushed: Type.Array(PushedSummarySchema, { minItems: 1, maxItems: BUILD_TARGETS.length }),
    k: Type.Optional(Type.Array(Hex64, { maxItems: MAX_VARIANTS - 1 })),
  }),
  Type.Object({
    error: Type.String({ maxLength: 512 }),
    carry: Type.Optional(
      Type.Literal(true, { description: "A variant to carry did not verify (or its Secret is missing): nothing was pushed." }),
    ),
  }),
]);

const BuildSummarySchema = Type.Union([
  Type.Object({
    tools: Type.String({ maxLength: 253 }),
    calibrationSamples: Type.Integer({ minimum: 0 }),
    evaluationSamples: Type.Integer({ minimum: 0 }),
    targets: Type.Array(TargetSummarySchema, { minItems: 1, maxItems: BUILD_TARGETS.length }),
    publish: Type.Optional(PublishSummarySchema),
  }),
  Type.Object({ error: Type.String({ maxLength: 1024 }) }),
]);

/**
 * What a build reports in its termination message (at most MAX_SUMMARY_BYTES): the measurements
 * of each target, without the refusal reasons, which the operator words from the numbers and the
 * spec's budget; or why the build failed.
 */
export type BuildSummary = Static<typeof BuildSummarySchema>;
export type TargetSummary = Static<typeof TargetSummarySchema>;
export type PublishSummary = Static<typeof PublishSummarySchema>;
export type PushedSummary = Static<typeof PushedSummarySchema>;

/** Six significant digits: more than any measurement here means, and the summary fits 4 KiB with every variant. */
const round = (n: number) => Number(n.toPrecision(6));

/** The summary as its JSON text: the measurements to six significant digits, the error cut to fit. */
export function encodeBuildSummary(summary: BuildSummary): string {
  const cut = (s: BuildSummary): BuildSummary => {
    if ("error" in s) return { error: s.error.slice(0, 1024) };
    const targets = s.targets.map((t) => ({
      ...t,
      sizeRatio: round(t.sizeRatio),
      accuracyPercent: round(t.accuracyPercent),
      accuracyDropPoints: round(t.accuracyDropPoints),
      p50LatencySeconds: round(t.p50LatencySeconds),
      p95LatencySeconds: round(t.p95LatencySeconds),
    }));
    return {
      ...s,
      targets,
      ...(s.publish && "error" in s.publish ? { publish: { ...s.publish, error: s.publish.error.slice(0, 512) } } : {}),
    };
  };
  const text = JSON.stringify(cut(summary));
  if (Buffer.byteLength(text) > MAX_SUMMARY_BYTES)
    throw new Error(`the build summary is ${Buffer.byteLength(text)} bytes, more than ${MAX_SUMMARY_BYTES}`);
  return text;
}

/** A termination message read back; throws saying what is wrong with it. */
export function parseBuildSummary(text: string): BuildSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`the build's termination message is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!Value.Check(BuildSummarySchema, raw)) {
    const first = [...Value.Errors(BuildSummarySchema, raw)][0];
    throw new Error(
      `the build's termination message is not a build summary: ${first ? `${first.path || "/"} ${first.message}` : "bad shape"}`,
    );
  }
  return raw;
}
