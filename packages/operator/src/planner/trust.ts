import type { EdgeModel, ModelTrustPolicy, TrustedKey } from "@edgefleet/api";
import { compareVersions } from "./versions.js";

/**
 * The platform team's model trust (ModelTrustPolicy, docs/artifacts.md#trust-policies): once any
 * policy exists, a model runs only when one of them covers its namespace and name with a key and
 * admits every variant's artifact (signed, from its sources, within its size). Devices then verify
 * with the keys of every policy the model satisfies, never with the key the tenant names: whoever
 * edits an EdgeModel can no longer choose what vouches for it.
 */
export type TrustVerdict =
  /** No policy exists: the model's own publicKeyRef verifies, as before policies existed. */
  | { enforced: false }
  | ({ enforced: true; allowed: true; policies: string[] } & TrustedSignatures)
  | { enforced: true; allowed: false; message: string };

/** What devices verify a model's signatures with, under the policies it satisfies. */
export interface TrustedSignatures {
  /** The keys (PEM) devices accept signatures by, in policy then key order: all of them, so a rotation overlaps. */
  keys: readonly string[];
  /** Only edgefleet v2 statements (namespace and variant named): unless a satisfied policy sets allowUnscopedSignatures. */
  scopedOnly: boolean;
  /** The strictest maxArtifactBytes of the satisfied policies, and the policy that sets it: devices enforce it too. */
  maxArtifactBytes?: { bytes: number; policy: string };
}

export const TRUST_REFUSED_REASON = "TrustPolicyRefused";

/** Decides whether the policies let the model run, and with which keys. Pure: the caller passes the cached policies. */
export function judgeTrust(model: EdgeModel, policies: readonly ModelTrustPolicy[]): TrustVerdict {
  if (policies.length === 0) return { enforced: false };
  const namespace = model.metadata.namespace ?? "";
  const name = model.metadata.name ?? "";
  const sorted = [...policies].sort((a, b) => policyName(a).localeCompare(policyName(b)));
  const keys: string[] = [];
  const satisfied: string[] = [];
  const refusals: string[] = [];
  for (const policy of sorted) {
    const covering = policy.spec.keys.filter((k) => covers(k, namespace, name));
    if (covering.length === 0) continue;
    const problems = [...versionProblems(model, policy), ...artifactProblems(model, policy, covering)];
    if (problems.length) {
      refusals.push(`ModelTrustPolicy "${policyName(policy)}" refuses it: ${problems.join("; ")}`);
      continue;
    }
    satisfied.push(policyName(policy));
    for (const k of covering) if (!keys.includes(k.publicKey)) keys.push(k.publicKey);
  }
  if (satisfied.length) {
    const kept = sorted.filter((p) => satisfied.includes(policyName(p)));
    const scopedOnly = !kept.some((p) => p.spec.allowUnscopedSignatures);
    const maxArtifactBytes = strictestSize(kept);
    return { enforced: true, allowed: true, keys, scopedOnly, policies: satisfied, ...(maxArtifactBytes ? { maxArtifactBytes } : {}) };
  }
  if (refusals.length) return { enforced: true, allowed: false, message: refusals.join(". ") };
  return {
    enforced: true,
    allowed: false,
    message:
      `no ModelTrustPolicy has a key for namespace "${namespace}", model "${name}" (policies: ${sorted.map(policyName).join(", ")}): ` +
      "a platform administrator adds the namespace (and model) to a key's spec.keys[].namespaces (and models) in one of them",
  };
}

/** What the model's pods get of an allowing verdict: keys, scoping and size bound, not the policy list. */
export function signaturesOf({ keys, scopedOnly, maxArtifactBytes }: TrustedSignatures): TrustedSignatures {
  return { keys, scopedOnly, ...(maxArtifactBytes ? { maxArtifactBytes } : {}) };
}

/** Whether policies exist and none admits the model: then it runs nowhere. */
export function refusedByTrust(model: EdgeModel, policies: readonly ModelTrustPolicy[]): boolean {
  const verdict = judgeTrust(model, policies);
  return verdict.enforced && !verdict.allowed;
}

function strictestSize(policies: readonly ModelTrustPolicy[]): TrustedSignatures["maxArtifactBytes"] {
  let strictest: TrustedSignatures["maxArtifactBytes"];
  for (const p of policies) {
    const bytes = p.spec.maxArtifactBytes;
    if (bytes !== undefined && (strictest === undefined || bytes < strictest.bytes)) strictest = { bytes, policy: policyName(p) };
  }
  return strictest;
}

function policyName(p: ModelTrustPolicy): string {
  return p.metadata.name ?? "";
}

function covers(key: TrustedKey, namespace: string, model: string): boolean {
  return (
    key.namespaces.some((g) => globMatches(g, namespace)) && (key.models === undefined || key.models.some((g) => globMatches(g, model)))
  );
}

/** `*` matches any run of characters (none included); everything else matches itself. */
export function globMatches(glob: string, value: string): boolean {
  const pattern = glob
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(value);
}

/** The policy's minimumVersions entries matching the model that its spec.version is below. */
function versionProblems(model: EdgeModel, policy: ModelTrustPolicy): string[] {
  const { version } = model.spec;
  const name = model.metadata.name ?? "";
  return (policy.spec.minimumVersions ?? []).flatMap((minimum, i) => {
    if (!minimum.models.some((g) => globMatches(g, name))) return [];
    const field = `spec.minimumVersions[${i}].version ${JSON.stringify(minimum.version)}`;
    let older: boolean;
    try {
      older = compareVersions(version, minimum.version) < 0;
    } catch {
      return [
        `spec.version ${JSON.stringify(version)} is not a dotted numeric version, so it cannot be checked against the policy's ${field}`,
      ];
    }
    return older
      ? [`spec.version ${JSON.stringify(version)} is below the policy's ${field} (a known-bad build): publish a newer version`]
      : [];
  });
}

/** What keeps the policy from admitting the model's variants, each naming the field to fix. */
function artifactProblems(model: EdgeModel, policy: ModelTrustPolicy, covering: readonly TrustedKey[]): string[] {
  const { sources, maxArtifactBytes } = policy.spec;
  const underSources = (uri: string) => sources === undefined || sources.some((prefix) => uri.startsWith(prefix));
  const problems: string[] = [];
  model.spec.variants.forEach((variant, i) => {
    const field = `spec.variants[${i}].artifact`;
    const { artifact } = variant;
    if (!artifact.signature) {
      problems.push(
        `${field}.signature is missing: sign the artifact with one of the policy's keys (${covering.map((k) => k.name).join(", ")})`,
      );
    } else if (!underSources(artifact.signature.uri)) {
      problems.push(
        `${field}.signature.uri ${JSON.stringify(artifact.signature.uri)} is not under the policy's sources (${sources?.join(", ")})`,
      );
    }
    if (!underSources(artifact.uri)) {
      problems.push(`${field}.uri ${JSON.stringify(artifact.uri)} is not under the policy's sources (${sources?.join(", ")})`);
    }
    if (maxArtifactBytes !== undefined && artifact.sizeBytes > maxArtifactBytes) {
      problems.push(`${field}.sizeBytes ${artifact.sizeBytes} is more than the policy's maxArtifactBytes ${maxArtifactBytes}`);
    }
  });
  return problems;
}
