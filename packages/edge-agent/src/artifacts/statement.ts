/**
 * The statement an artifact's signature covers. Signing {model, version, sha256} rather than the
 * file alone is what makes a downgrade visible: an old artifact's valid signature names its old
 * version, so it cannot be passed off as a new one. The scoped statement (v2) also names the
 * namespace and the variant, so a key trusted for several namespaces (a ModelTrustPolicy's) cannot
 * have one namespace's or variant's signature replayed for another. See docs/artifacts.md.
 */
export const STATEMENT_TYPE = "https://edgefleet.io/artifact-statement/v1";
export const SCOPED_STATEMENT_TYPE = "https://edgefleet.io/artifact-statement/v2";

export interface ArtifactStatement {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  /** A v2 (scoped) statement names both, a v1 statement neither. */
  readonly namespace?: string;
  readonly variant?: string;
}

/**
 * What an install expects a signature to cover: its namespace and variant, when known, are
 * checked against a scoped statement's. scopedOnly (a ModelTrustPolicy's default) refuses every
 * signature that names no namespace and variant: v1 statements, cosign and Sigstore formats.
 */
export type ExpectedArtifact = ArtifactStatement & { readonly scopedOnly?: boolean };

type Field = "model" | "version" | "sha256" | "namespace" | "variant";

// The shapes the EdgeModel API allows, so the canonical encoding never needs escaping.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const FIELD_PATTERNS: Record<Field, RegExp> = {
  model: DNS_LABEL,
  version: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  sha256: /^[a-f0-9]{64}$/,
  namespace: DNS_LABEL,
  variant: DNS_LABEL,
};
const FIELD_HINTS: Record<Field, string> = {
  model: "a DNS label (the EdgeModel's name)",
  version: "the EdgeModel spec.version form, e.g. 2026.11.1",
  sha256: "64 lowercase hex characters, as sha256sum prints",
  namespace: "a DNS label (the EdgeModel's namespace)",
  variant: "a DNS label (the variant's name)",
};
const FIELDS: Record<string, readonly Field[]> = {
  [STATEMENT_TYPE]: ["model", "version", "sha256"],
  [SCOPED_STATEMENT_TYPE]: ["model", "version", "sha256", "namespace", "variant"],
};

/** Whether the statement names its namespace and variant (v2). */
export const isScoped = (s: ArtifactStatement): boolean => s.namespace !== undefined || s.variant !== undefined;

/** Throws naming the field and the form it needs. */
export function checkStatement(value: unknown): ArtifactStatement {
  if (typeof value !== "object" || value === null) throw new Error("artifact statement must be a JSON object");
  const record = value as Record<string, unknown>;
  const fields = typeof record.type === "string" ? FIELDS[record.type] : undefined;
  if (!fields) throw new Error(`artifact statement type must be "${SCOPED_STATEMENT_TYPE}" or "${STATEMENT_TYPE}"`);
  for (const field of fields) {
    const v = record[field];
    if (typeof v !== "string" || !FIELD_PATTERNS[field].test(v)) {
      throw new Error(`artifact statement ${field} must be ${FIELD_HINTS[field]}, got ${JSON.stringify(v)}`);
    }
  }
  const extra = Object.keys(record).filter((k) => k !== "type" && !fields.includes(k as Field));
  if (extra.length) throw new Error(`artifact statement has unknown fields: ${extra.join(", ")}`);
  const { model, version, sha256, namespace, variant } = record as Record<Field, string>;
  return record.type === SCOPED_STATEMENT_TYPE ? { model, version, sha256, namespace, variant } : { model, version, sha256 };
}

/** The statement as it travels in the signature file: with its type, v2 when it names namespace and variant. */
export function typedStatement(statement: ArtifactStatement): ArtifactStatement & { type: string } {
  const type = isScoped(statement) ? SCOPED_STATEMENT_TYPE : STATEMENT_TYPE;
  return { type, ...checkStatement({ type, ...statement }) };
}

/**
 * The exact bytes that are signed: JSON with the keys in code-point order, no whitespace, UTF-8.
 * Every value is ASCII from a restricted alphabet, so no two tools can encode it differently.
 */
export function canonicalStatement(statement: ArtifactStatement): Buffer {
  const sorted = Object.entries(typedStatement(statement)).sort(([a], [b]) => (a < b ? -1 : 1));
  return Buffer.from(JSON.stringify(Object.fromEntries(sorted)), "utf8");
}
