import { createHash } from "node:crypto";
import type { ModelVariant } from "@edgefleet/api";

/**
 * On a build's Job: the EdgeModel's version and variants the Job was given to carry, as a digest.
 * The build pod verifies and re-signs those; a publication applies them only while the EdgeModel
 * still has them, or a variant changed meanwhile would go out unverified.
 */
export const CARRIED_FROM_ANNOTATION = "edgefleet.io/carried-from";

/** What identifies the carried files and their trust: version, and each variant's name, file and signature. */
export function carriedFrom(model: { version: string; variants: readonly ModelVariant[] }): string {
  const identity = model.variants.map(({ name, artifact: a }) => [
    name,
    a.uri,
    a.sha256,
    a.sizeBytes,
    a.signature?.uri ?? null,
    a.signature?.publicKeyRef.name ?? null,
    a.signature?.publicKeyRef.key ?? null,
    a.pullSecretRef?.name ?? null,
  ]);
  return createHash("sha256")
    .update(JSON.stringify([model.version, identity]))
    .digest("hex");
}
