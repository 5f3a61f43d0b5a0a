/*
 * The artifact URIs devices can fetch (packages/edge-agent/src/artifacts/fetchers.ts): the API
 * accepts exactly these, so an EdgeModel never names what no device can download. The OCI parts
 * are the distribution spec's grammar; the agent's oci:// parser is built from the same strings.
 */

/** A registry host name with an optional port, as in docker references: ghcr.io, localhost:5000. */
export const OCI_REGISTRY_PATTERN =
  "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?";
/** Lowercase path components separated by . _ __ or dashes: acme/models/detector. */
export const OCI_REPOSITORY_PATTERN = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*";
export const OCI_TAG_PATTERN = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
export const OCI_DIGEST_PATTERN = "sha256:[a-f0-9]{64}";

/** https://…, or oci://registry/repository with a :tag, an @sha256: digest, or both (the digest decides). */
export const ARTIFACT_URI_PATTERN = `^(?:https://\\S+|oci://${OCI_REGISTRY_PATTERN}/${OCI_REPOSITORY_PATTERN}(?::${OCI_TAG_PATTERN}(?:@${OCI_DIGEST_PATTERN})?|@${OCI_DIGEST_PATTERN}))$`;

/**
 * A comma-separated list of registries (host[:port], as in oci:// URIs) that may be reached over
 * plain http:// (the operator's --artifact-plain-http-registries, the install command's
 * EDGEFLEET_PLAIN_HTTP_REGISTRIES). Throws naming `source` and the bad entry.
 */
export function registryList(text: string, source: string): string[] {
  const registries = text
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const registry = new RegExp(`^${OCI_REGISTRY_PATTERN}$`);
  const bad = registries.find((r) => !registry.test(r));
  if (bad !== undefined) throw new Error(`${source}: ${JSON.stringify(bad)} is not a registry host[:port] as oci:// URIs name it`);
  return registries;
}
