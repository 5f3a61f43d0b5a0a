import { ARTIFACT_CA_BUNDLE_ENV, PLAIN_HTTP_REGISTRIES_ENV, type PushedFile, registryList } from "@edgefleet/api";
import { encodeEnvelope, type FetcherOptions, pushArtifact, signFile } from "@edgefleet/edge-agent";

/** What pushArtifact takes besides the file and the reference: registryOptions' result. */
export interface RegistryAccess {
  registryAuth?: string;
  extraCa?: string;
  plainHttp?: boolean;
}

/** host[:port] of an oci:// or https:// URI. */
export function registryOf(uri: string): string {
  return /^[a-z]+:\/\/([^/]+)/i.exec(uri)?.[1] ?? "";
}

/** The CA bundle and plain-HTTP registries the operator gives the pods it runs (registryTrustEnv), as they read them. */
export interface PlatformTrust {
  extraCa?: string;
  plainHttpRegistries: readonly string[];
}

/** A build Job's or federated coordinator's PlatformTrust, from its environment. */
export function platformTrust(env: Readonly<Record<string, string | undefined>>): PlatformTrust {
  const extraCa = env[ARTIFACT_CA_BUNDLE_ENV];
  return {
    ...(extraCa ? { extraCa } : {}),
    plainHttpRegistries: registryList(env[PLAIN_HTTP_REGISTRIES_ENV] ?? "", `$${PLAIN_HTTP_REGISTRIES_ENV}`),
  };
}

/** What an Installer fetches with under trust, with one artifact's registry credentials. */
export function installFetchers(trust: PlatformTrust, registryAuth?: string): FetcherOptions {
  return {
    ...(trust.extraCa === undefined ? {} : { https: { extraCa: trust.extraCa } }),
    oci: { ...(registryAuth === undefined ? {} : { registryAuth }), plainHttpRegistries: trust.plainHttpRegistries },
  };
}

/** How a push to `to` reaches its registry under trust, with the push credentials. */
export function pushAccess(to: string, trust: PlatformTrust, registryAuth?: string): RegistryAccess {
  return {
    ...(registryAuth === undefined ? {} : { registryAuth }),
    ...(trust.extraCa === undefined ? {} : { extraCa: trust.extraCa }),
    plainHttp: trust.plainHttpRegistries.includes(registryOf(to)),
  };
}

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
