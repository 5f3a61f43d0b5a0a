import { OCI_DIGEST_PATTERN, OCI_REGISTRY_PATTERN, OCI_REPOSITORY_PATTERN, OCI_TAG_PATTERN } from "@edgefleet/api";

/** An `oci://` artifact URI, split into what the OCI distribution API needs. */
export interface OciReference {
  /** host[:port], as in the URI: the registry's HTTPS origin and the key of its credentials. */
  registry: string;
  /** The repository path, e.g. acme/models/detector. */
  repository: string;
  /** What `GET /v2/<repository>/manifests/<reference>` is asked for: the digest when given, else the tag. */
  reference: string;
  /** sha256:<hex> when the URI pins the manifest; its bytes must then hash to it. */
  digest: string | undefined;
}

export const OCI_URI_FORMS = "oci://<registry>[:port]/<repository>:<tag> or oci://<registry>[:port]/<repository>@sha256:<digest>";

// The API's grammar (the EdgeModel accepts exactly what this parses), split to name the bad part.
const whole = (pattern: string) => new RegExp(`^${pattern}$`);
const REPOSITORY = whole(OCI_REPOSITORY_PATTERN);
const TAG = whole(OCI_TAG_PATTERN);
const DIGEST = whole(OCI_DIGEST_PATTERN);
const REGISTRY = whole(OCI_REGISTRY_PATTERN);

/** Parses `oci://registry[:port]/repository(:tag|@sha256:digest)`; throws naming the accepted forms. */
export function parseOciReference(uri: string): OciReference {
  const bad = (why: string) => new Error(`${JSON.stringify(uri)} is not an OCI artifact reference: ${why}; use ${OCI_URI_FORMS}`);
  if (!uri.startsWith("oci://")) throw bad("it must start with oci://");
  const rest = uri.slice("oci://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0) throw bad("it names no repository");
  const registry = rest.slice(0, slash);
  if (!REGISTRY.test(registry)) throw bad(`registry ${JSON.stringify(registry)} must be a host name with an optional :port`);
  let path = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = path.indexOf("@");
  if (at >= 0) {
    digest = path.slice(at + 1);
    if (!DIGEST.test(digest)) throw bad(`digest ${JSON.stringify(digest)} must be sha256: and 64 lowercase hex characters`);
    path = path.slice(0, at);
  }
  // A tag follows the last colon after the last slash (a colon before it would be a port, already split off).
  const colon = path.lastIndexOf(":");
  let tag: string | undefined;
  if (colon > path.lastIndexOf("/")) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag ${JSON.stringify(tag)} must be 1 to 128 of A-Z a-z 0-9 _ . - not starting with . or -`);
  }
  if (!REPOSITORY.test(path))
    throw bad(`repository ${JSON.stringify(path)} must be lowercase path components (a-z 0-9 separated by . _ -)`);
  const reference = digest ?? tag;
  if (reference === undefined) throw bad("it has neither a :tag nor an @sha256: digest");
  return { registry, repository: path, reference, digest };
}
