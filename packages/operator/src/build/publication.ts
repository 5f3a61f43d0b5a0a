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
 * EdgeModel as the cache has it (undefined: none). The variants the EdgeModel has and no pushed
 * build replaces are refused, naming them: carrying one needs its file verified as the current
 * version's and signed again for the new one, and the build pod, which holds the key, never sees
 * the EdgeModel (it has no API access); tools/edgefleet model publish does that.
 */
export function decidePublication(build: EdgeModelBuild, summary: Built, model: EdgeModel | undefined): Publication {
  const { spec } = build;
  const publish = spec.publish;
  const namespace = build.metadata.namespace ?? "";
  const name = publishedModelName(build);
  const ref = `EdgeModel ${namespace}/${name}`;
  if (!publish) throw new Error("decidePublication needs spec.publish");
  if (!summary.publish) return { action: "refuse", reason: "NotPushed", message: "the build pod reported nothing pushed" };
  if ("error" in summary.publish) return { action: "refuse", reason: "PushFailed", message: summary.publish.error };
  const variants = summary.publish.pushed.map((p) => ({
    name: p.t,
    target: p.t,
    uri: `${publish.to}@sha256:${p.d}`,
    sha256: p.s,
    sizeBytes: p.b,
  }));
  const published: BuildPublishedStatus = { edgeModel: name, version: spec.version, variants };
  const pushedNote = `the pushed artifacts stay unreferenced in ${publish.to}`;
  if (!model)
    return {
      action: "refuse",
      reason: "EdgeModelMissing",
      message: `${ref} does not exist: a build publishes a new version of an existing EdgeModel: create it (or set spec.publish.edgeModel), then change the build's spec to run it again; ${pushedNote}`,
    };
  const has = (v: (typeof variants)[number]) =>
    model.spec.variants.some((m) => m.name === v.name && m.artifact.uri === v.uri && m.artifact.sha256 === v.sha256);
  if (model.spec.version === spec.version && variants.every(has)) return { action: "done", published };
  const problem = publicationProblem(model, spec.version, variants.length, "spec.version");
  if (problem) return { action: "refuse", reason: "VersionNotNewer", message: `${ref}: ${problem}; ${pushedNote}` };
  const kept = keptVariants(model, new Set(variants.map((v) => v.name)));
  if (kept.length)
    return {
      action: "refuse",
      reason: "VariantsNotReplaced",
      message: `${ref} has variants no published build replaces (${kept.map((v) => v.name).join(", ")}): a build cannot verify and re-sign them for version ${spec.version}; add their builds to spec.targets, remove them from the EdgeModel, or publish with tools/edgefleet model publish, which carries them; ${pushedNote}`,
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
  const next = nextVersion(model, spec.version, builds, evaluation, publish.publicKeyRef ?? DEFAULT_PUBLIC_KEY_REF);
  return { action: "apply", model: next, published };
}
