import type { PushedFile } from "@edgefleet/api";
import { encodeEnvelope, pushArtifact, signFile } from "@edgefleet/edge-agent";
import type { RegistryAccess } from "./registry-access.js";

export interface SignedPushOptions {
  file: string;
  /** The v2 statement the signature covers: edgefleet's scoped signature (docs/artifacts.md). */
  namespace: string;
  model: string;
  version: string;
  variant: string;
  privateKeyPem: string;
  /** oci://registry[:port]/repository:tag */
  to: string;
  registry: RegistryAccess;
}

/**
 * Signs a model file for (namespace, model, version, variant) and pushes it with its signature as
 * one OCI artifact: what tools/edgefleet model publish does for each build, and a
 * FederatedTraining's coordinator for the trained model.
 */
export async function signAndPush(o: SignedPushOptions): Promise<PushedFile> {
  const { file, namespace, model, version, variant, privateKeyPem } = o;
  const signed = signFile({ file, namespace, model, version, variant, privateKeyPem });
  const pushed = await pushArtifact({ file, signature: Buffer.from(encodeEnvelope(signed.envelope)), to: o.to, ...o.registry });
  // The signature is a layer of the same artifact: the same reference, chosen by its media type.
  return { uri: pushed.uri, sha256: pushed.sha256, sizeBytes: pushed.sizeBytes, signatureUri: pushed.uri };
}

/** A data file as pushed (no signature): its OCI artifact by manifest digest, sha256 and size. */
export interface PushedData {
  uri: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * Pushes a data file (calibration or evaluation .npz) as an unsigned OCI artifact to `to`
 * (oci://registry[:port]/repository:tag), named by its manifest digest: what a FederatedTraining's
 * coordinator does with its data, and tools/edgefleet model publish with the evaluation data devices score.
 */
export async function pushData(file: string, to: string, registry: RegistryAccess): Promise<PushedData> {
  const pushed = await pushArtifact({ file, to, ...registry });
  return { uri: pushed.uri, sha256: pushed.sha256, sizeBytes: pushed.sizeBytes };
}
