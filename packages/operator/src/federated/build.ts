import type { EdgeModelBuild, FederatedTraining, TrainingBuildResult } from "@edgefleet/api";
import { API_VERSION } from "@edgefleet/api";
import { errorMessage } from "@edgefleet/kit";
import { KubeError } from "@edgefleet/kube";
import { metadata } from "./children.js";

type Pushed = Exclude<TrainingBuildResult, { error: string }>;

/**
 * The EdgeModelBuild a job with spec.build hands its trained model to, named after the job and
 * owned by it: spec.build.template, then what the training supplies (the model, the version it
 * was signed for, and the files the coordinator pushed, by digest); pure.
 */
export function trainingBuild(job: FederatedTraining, pushed: Pushed): EdgeModelBuild | undefined {
  const build = job.spec.build;
  if (!build) return undefined;
  const { signatureUri, ...source } = pushed.source;
  // The coordinator pushed every file with the same credentials: the build pulls each with them.
  const pull = build.registryCredentialsRef ? { pullSecretRef: { name: build.registryCredentialsRef.name } } : {};
  return {
    apiVersion: API_VERSION,
    kind: "EdgeModelBuild",
    metadata: metadata(job, job.metadata.name ?? ""),
    spec: {
      ...build.template,
      model: job.spec.model,
      version: build.version,
      source: {
        ...source,
        signature: { uri: signatureUri, publicKeyRef: build.publicKeyRef },
        ...pull,
      },
      calibration: { ...pushed.calibration, ...pull },
      evaluation: { ...pushed.evaluation, ...pull },
    },
  };
}

/** BuildCreated's reason once the API server refused the job's EdgeModelBuild as invalid: terminal. */
export const BUILD_REFUSED = "BuildRefused";

/**
 * What a failed apply of the job's EdgeModelBuild means, pure: one the API server refuses as
 * invalid (422: the template breaks a rule of EdgeModelBuild's that the FederatedTraining's schema
 * could not check) is refused for good, since the job's spec is immutable and the same build would
 * be refused again; anything else (unreachable, forbidden, conflict) may pass later and is retried.
 */
export function applyFailure(
  name: string,
  err: unknown,
): { reason: typeof BUILD_REFUSED | "ApplyFailed"; message: string; retry: boolean } {
  const why = errorMessage(err);
  if (err instanceof KubeError && err.status === 422)
    return {
      reason: BUILD_REFUSED,
      message: `EdgeModelBuild ${name} refused by the API server: ${why}; the job's spec is immutable: create a FederatedTraining whose spec.build.template the EdgeModelBuild accepts`,
      retry: false,
    };
  return { reason: "ApplyFailed", message: `EdgeModelBuild ${name} not applied: ${why}`, retry: true };
}
