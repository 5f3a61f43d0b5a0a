import type { EdgeModel, ModelVariant } from "@edgefleet/api";
import { ArtifactCache, Installer } from "@edgefleet/edge-agent";
import { installFetchers, type PlatformTrust } from "../artifacts/registry-access.js";

/** A variant to carry into the new version, with what verifies and fetches it. */
export interface KeptVariant {
  variant: ModelVariant;
  /** The public key its current signature must verify with. */
  publicKeyPem: string;
  /** Docker config JSON for its registry, when it needs credentials. */
  registryAuth?: string;
}

/** A variant of the model's current version that a build does not replace, its file fetched and verified. */
export interface VerifiedVariant {
  variant: ModelVariant;
  /** The verified file (in the scratch cache), to sign for the new version. */
  file: string;
}

/**
 * Fetches each kept variant's file and checks it as a device would, with the edge agent's own
 * Installer: size, sha256, and its signature as one of the current version's (model, namespace,
 * version and, for a v2 statement, variant) by its public key. Only a file that verifies may be
 * signed for the new version, or re-signing would launder a file nobody signed; the first that
 * does not verify is refused with the variant's name and the installer's reason.
 */
export async function verifyKeptVariants(options: {
  /** The model's namespace and name, and its current version: what the kept signatures name. */
  model: EdgeModel;
  variants: readonly KeptVariant[];
  /** How to reach the registries (CA, plain-HTTP ones); each variant's credentials are its own. */
  trust: PlatformTrust;
  /** An empty directory for the scratch cache the files are fetched into. */
  scratch: string;
}): Promise<VerifiedVariant[]> {
  const { model, variants, trust } = options;
  const cache = ArtifactCache.open({ root: options.scratch });
  const { name = "", namespace = "" } = model.metadata ?? {};
  const verified: VerifiedVariant[] = [];
  for (const { variant, publicKeyPem, registryAuth } of variants) {
    const { uri, sha256, sizeBytes, signature } = variant.artifact;
    if (!signature)
      throw new Error(
        `variant ${variant.name}: has no signature to verify, so it cannot be re-signed for the new version: sign it, or drop it`,
      );
    const installer = new Installer({
      cache,
      fetchers: installFetchers(trust, registryAuth),
    });
    const outcome = await installer.install({
      namespace,
      model: name,
      version: model.spec.version,
      variant: variant.name,
      artifact: { uri, sha256, sizeBytes, signature: { uri: signature.uri, publicKeyPem } },
    });
    if (!outcome.installed)
      throw new Error(
        `variant ${variant.name}: its artifact does not verify as version ${model.spec.version}'s (${outcome.refusal.reason}: ${outcome.refusal.message}); nothing was published`,
      );
    verified.push({ variant, file: cache.blobPath(sha256) });
  }
  return verified;
}
