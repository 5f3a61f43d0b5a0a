import {
  type Accelerator,
  MAX_ARTIFACT_BYTES_ENV,
  MAX_ARTIFACT_BYTES_POLICY_ENV,
  type ModelVariant,
  SIGNATURE_PUBLIC_KEYS_ENV,
  SIGNATURE_SCOPED_ONLY_ENV,
} from "@edgefleet/api";
import { EVALUATION_ENV } from "@edgefleet/telemetry";
import type { V1EnvVar } from "@kubernetes/client-node";
import type { TrustedSignatures } from "./trust.js";

/**
 * The environment through which a runtime image learns what to serve: the contract between the
 * operator and every EdgeRuntime image. Runtimes fetch EDGEFLEET_ARTIFACT_URI, check its size and
 * digest (and signature, when given) and load it on EDGEFLEET_ACCELERATOR. `trust` is what the
 * ModelTrustPolicies allow for the model (planner/trust.ts): when given, its keys verify the
 * signature instead of the key in the Secret the variant names. EDGEFLEET_EVALUATION_* are not the
 * runtime's: the verify-artifact init container stores the data in the node's cache with the
 * model's credentials, and the assignments tell the node's agent which digest to read there.
 */
export function modelEnv(args: {
  model: string;
  version: string;
  variant: ModelVariant;
  accelerator: Accelerator;
  trust?: TrustedSignatures | undefined;
}): V1EnvVar[] {
  const { variant, trust } = args;
  const { artifact } = variant;
  const env: V1EnvVar[] = [
    { name: "EDGEFLEET_MODEL", value: args.model },
    { name: "EDGEFLEET_MODEL_VERSION", value: args.version },
    { name: "EDGEFLEET_VARIANT", value: variant.name },
    { name: "EDGEFLEET_FORMAT", value: variant.format },
    { name: "EDGEFLEET_PRECISION", value: variant.precision },
    { name: "EDGEFLEET_ACCELERATOR", value: args.accelerator },
    { name: "EDGEFLEET_ARTIFACT_URI", value: artifact.uri },
    { name: "EDGEFLEET_ARTIFACT_SHA256", value: artifact.sha256 },
    { name: "EDGEFLEET_ARTIFACT_SIZE_BYTES", value: String(artifact.sizeBytes) },
  ];
  if (artifact.signature) {
    const { uri, publicKeyRef } = artifact.signature;
    env.push(
      { name: "EDGEFLEET_SIGNATURE_URI", value: uri },
      trust
        ? { name: SIGNATURE_PUBLIC_KEYS_ENV, value: trust.keys.map((pem) => `${pem.trim()}\n`).join("") }
        : { name: "EDGEFLEET_SIGNATURE_PUBLIC_KEY", valueFrom: { secretKeyRef: { name: publicKeyRef.name, key: publicKeyRef.key } } },
    );
    if (trust?.scopedOnly) env.push({ name: SIGNATURE_SCOPED_ONLY_ENV, value: "true" });
  }
  // The labelled data the variant's accuracy was measured on, which the node's agent scores it on
  // (docs/agent.md); only with the sha256 that verifies it (the schema requires it with a uri).
  const evaluation = variant.profile?.accuracy?.evaluation;
  if (evaluation?.uri && evaluation.sha256)
    env.push(
      { name: EVALUATION_ENV.uri, value: evaluation.uri },
      { name: EVALUATION_ENV.sha256, value: evaluation.sha256 },
      { name: EVALUATION_ENV.samples, value: String(evaluation.samples) },
    );
  if (trust?.maxArtifactBytes) {
    env.push(
      { name: MAX_ARTIFACT_BYTES_ENV, value: String(trust.maxArtifactBytes.bytes) },
      { name: MAX_ARTIFACT_BYTES_POLICY_ENV, value: trust.maxArtifactBytes.policy },
    );
  }
  return env;
}
