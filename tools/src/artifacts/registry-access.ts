import { ARTIFACT_CA_BUNDLE_ENV, PLAIN_HTTP_REGISTRIES_ENV, registryList } from "@edgefleet/api";
import type { FetcherOptions } from "@edgefleet/edge-agent";
import { certificateBundle } from "@edgefleet/kit";

/** What pushArtifact takes besides the file and the reference: pushAccess' result. */
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

/**
 * A build Job's or federated coordinator's PlatformTrust, from its environment. Both variables are
 * checked as the edge agent's install command checks them, so a bad bundle fails here naming the
 * variable instead of as a TLS error at the first fetch.
 */
export function platformTrust(env: Readonly<Record<string, string | undefined>>): PlatformTrust {
  const pem = env[ARTIFACT_CA_BUNDLE_ENV];
  return {
    ...(pem ? { extraCa: certificateBundle(pem, `$${ARTIFACT_CA_BUNDLE_ENV}`) } : {}),
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
