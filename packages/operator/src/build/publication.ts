import {
  type BuildPublishedStatus,
  type BuildSummary,
  DEFAULT_PUBLIC_KEY_REF,
  type EdgeModel,
  type EdgeModelBuild,
  keptVariants,
  nextVersion,
  publicationProblem,
} from "@edgefleet/api";
import { carriedFrom } from "./carried.js";

/** The field manager of a publication's EdgeModel apply: the same as tools/edgefleet model publish --apply, never the operator's own. */
export const PUBLISH_FIELD_MANAGER = "edgefleet-model-publish";

type Built = Extract<BuildSummary, { targets: unknown }>;

/**
 * What to do with a succeeded build's pushed artifacts, pure: apply the EdgeModel's new version,
 * nothing (the EdgeModel already is that version with these artifacts: a reconcile after the
 * apply, whose status write was lost, must not publish again), or refuse, with why.
 */
export type Publication =
  | { action: "apply"; model: EdgeModel; published: BuildPublishedStatus }
  | { action: "done"; published: BuildPublishedStatus }
  | { action: "refuse"; reason: string; message: string };

/** The EdgeModel's name a build publishes into. */
export const publishedModelName = (build: EdgeModelBuild): string => build.spec.publish?.edgeModel ?? build.spec.model;

/**
 * The publication of a build with spec.publish whose Job succeeded with summary, given the
 * EdgeModel as the cache has it (undefined: none) and the Job's CARRIED_FROM_ANNOTATION (undefined:
 * the Job was given nothing to carry). The EdgeModel's variants no pushed build replaces go into
 * the new version as the build pod carried them (verified as the current version's, signed again,
 * pushed: summary.publish.k), only while the EdgeModel still has what the pod was given; else the
 * publication is refused, naming why.
 */
export function decidePublication(
  build: EdgeModelBuild,
  summary: Built,
  model: EdgeModel | undefined,
  carriedFromJob?: string,
): Publication {
  const { spec } = build;
  const publish = spec.publish;
  const namespace = build.metadata.namespace ?? "";
  const name = publishedModelName(build);
  const ref = `EdgeModel ${namespace}/${name}`;
  if (!publish) throw new Error("decidePublication needs spec.publish");
  if (!summary.publish) return { action: "refuse", reason: "NotPushed", message: "the build pod reported nothing pushed" };
  if ("error" in summary.publish)
    return { action: "refuse", reason: summary.publish.carry ? "CarryRefused" : "PushFailed", message: summary.publish.error };
  const variants = summary.publish.pushed.map((p) => ({
    name: p.t,
    target: p.t,
    uri: `${publish.to}@sha256:${p.d}`,
    sha256: p.s,
    sizeBytes: p.b,
  }));
  const digests = summary.publish.k ?? [];
  const pushedNote = `the pushed artifacts stay unreferenced in ${publish.to}`;
  if (!model)
    return {
      action: "refuse",
      reason: "EdgeModelMissing",
      message: `${ref} does not exist: a build publishes a new version of an existing EdgeModel: create it (or set spec.publish.edgeModel), then change the build's spec to run it again; ${pushedNote}`,
    };
  const has = (v: (typeof variants)[number]) =>
    model.spec.variants.some((m) => m.name === v.name && m.artifact.uri === v.uri && m.artifact.sha256 === v.sha256);
  const built = new Set(variants.map((v) => v.name));
  if (model.spec.version === spec.version && variants.every(has)) {
    // Applied before (a status write was lost): the carried variants are the model's others, as applied.
    const others = digests.length ? keptVariants(model, built).map((v) => ({ name: v.name, uri: v.artifact.uri })) : [];
    return { action: "done", published: publishedStatus(name, spec.version, variants, others) };
  }
  const problem = publicationProblem(model, spec.version, variants.length, "spec.version");
  if (problem) return { action: "refuse", reason: "VersionNotNewer", message: `${ref}: ${problem}; ${pushedNote}` };
  const kept = keptVariants(model, built);
  const keptNames = kept.map((v) => v.name).join(", ");
  const again = `change the build's spec to run it again; ${pushedNote}`;
  if (kept.length && carriedFromJob === undefined)
    return {
      action: "refuse",
      reason: "VariantsNotCarried",
      message: `${ref} has variants no published build replaces (${keptNames}), and the build's Job was created before the operator saw the EdgeModel, so it carried none: ${again}`,
    };
  if (kept.length && carriedFromJob !== carriedFrom(model.spec))
    return {
      action: "refuse",
      reason: "EdgeModelChanged",
      message: `${ref} changed while the build ran: its version or variants are no longer those the build verified and signed again for ${spec.version}, so ${keptNames} cannot be carried: ${again}`,
    };
  if (digests.length !== kept.length)
    return {
      action: "refuse",
      reason: "VariantsNotCarried",
      message: `${ref} has ${kept.length} variants no published build replaces (${keptNames || "none"}), the build pod carried ${digests.length}: ${again}`,
    };
  const builds = summary.publish.pushed.map((p) => {
    const t = summary.targets.find((x) => x.target === p.t);
    if (!t) throw new Error(`the build's summary pushed ${p.t} but did not measure it`);
    const artifact = { uri: `${publish.to}@sha256:${p.d}`, sha256: p.s, sizeBytes: p.b, signatureUri: `${publish.to}@sha256:${p.d}` };
    return {
      build: {
        target: t.target,
        accuracyPercent: t.accuracyPercent,
        accuracyDropPoints: t.accuracyDropPoints,
        p95LatencySeconds: t.p95LatencySeconds,
        evaluationSamples: summary.evaluationSamples,
      },
      artifact,
    };
  });
  // The build job names the evaluation file so (tools/src/model-build/job.ts), as the CLI's result
  // would. Devices fetch it where the build did: spec.evaluation is an artifact URI checked by the same sha256.
  const evaluation = { dataset: `${spec.model}-evaluation.npz`, sha256: spec.evaluation.sha256, uri: spec.evaluation.uri };
  // The file is the one verified; only its signature (a layer of the pushed artifact) is new.
  const carried = kept.map((variant, i) => {
    const uri = `${publish.to}@sha256:${digests[i]}`;
    const { sha256, sizeBytes } = variant.artifact;
    return { variant, artifact: { uri, sha256, sizeBytes, signatureUri: uri } };
  });
  const keyRef = publish.publicKeyRef ?? DEFAULT_PUBLIC_KEY_REF;
  const next = nextVersion(model, spec.version, builds, evaluation, keyRef, carried);
  const others = carried.map((c) => ({ name: c.variant.name, uri: c.artifact.uri }));
  return { action: "apply", model: next, published: publishedStatus(name, spec.version, variants, others) };
}

function publishedStatus(
  edgeModel: string,
  version: string,
  variants: BuildPublishedStatus["variants"],
  carried: NonNullable<BuildPublishedStatus["carried"]>,
): BuildPublishedStatus {
  return { edgeModel, version, variants, ...(carried.length ? { carried } : {}) };
}
