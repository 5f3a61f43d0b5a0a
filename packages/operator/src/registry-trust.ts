import { ARTIFACT_CA_BUNDLE_ENV, PLAIN_HTTP_REGISTRIES_ENV } from "@edgefleet/api";
import type { V1EnvVar } from "@kubernetes/client-node";

/**
 * How the platform's pods reach artifact servers and registries: runtime pods' verify-artifact
 * installs, build Jobs' fetches and pushes, federated coordinators' pushes. The same for all of
 * them, from the operator's flags.
 */
export interface RegistryTrust {
  /** PEM CA certificates trusted for https:// beside the public roots (the operator's --artifact-ca-bundle). */
  caBundle?: string;
  /** OCI registries reached over plain http:// (the operator's --artifact-plain-http-registries); none by default. */
  plainHttpRegistries?: readonly string[];
}

/** The environment a pod reads its RegistryTrust from (the edge agent's install, the model and fl tools). */
export function registryTrustEnv(trust: RegistryTrust): V1EnvVar[] {
  return [
    ...(trust.caBundle === undefined ? [] : [{ name: ARTIFACT_CA_BUNDLE_ENV, value: trust.caBundle }]),
    ...(trust.plainHttpRegistries?.length ? [{ name: PLAIN_HTTP_REGISTRIES_ENV, value: trust.plainHttpRegistries.join(",") }] : []),
  ];
}
