import { type Accelerator, type ModelVariant, SIGNATURE_PUBLIC_KEYS_ENV } from "@edgefleet/api";
import type { V1EnvVar } from "@kubernetes/client-node";

/**
 * The environment through which a runtime image learns what to serve: the contract between the
 * operator and every EdgeRuntime image. Runtimes fetch EDGEFLEET_ARTIFACT_URI, check its size and
 * digest (and signature, when given) and load it on EDGEFLEET_ACCELERATOR. `trustedKeys` are the
 * PEM public keys the ModelTrustPolicies allow for the model (planner/trust.ts): when given, they
 * verify the signature instead of the key in the Secret the variant names.
 */
export function modelEnv(args: {
  model: string;
  version: string;
  variant: ModelVariant;
  accelerator: Accelerator;
  trustedKeys?: readonly string[] | undefined;
}): V1EnvVar[] {
  const { variant, trustedKeys } = args;
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
      trustedKeys
        ? { name: SIGNATURE_PUBLIC_KEYS_ENV, value: trustedKeys.map((pem) => `${pem.trim()}\n`).join("") }
        : { name: "EDGEFLEET_SIGNATURE_PUBLIC_KEY", valueFrom: { secretKeyRef: { name: publicKeyRef.name, key: publicKeyRef.key } } },
    );
  }
  return env;
}
