/**
 * The statement an artifact's signature covers. Signing {model, version, sha256} rather than the
 * file alone is what makes a downgrade visible: an old artifact's valid signature names its old
 * version, so it cannot be passed off as a new one. See docs/artifacts.md for the exact format.
 */
export const STATEMENT_TYPE = "https://edgefleet.io/artifact-statement/v1";

export interface ArtifactStatement {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
}

// The shapes the EdgeModel API allows, so the canonical encoding never needs escaping.
const FIELD_PATTERNS: Record<keyof ArtifactStatement, RegExp> = {
  model: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  version: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
  sha256: /^[a-f0-9]{64}$/,
};
const FIELD_HINTS: Record<keyof ArtifactStatement, string> = {
  model: "a DNS label (the EdgeModel's name)",
  version: "the EdgeModel spec.version form, e.g. 2026.11.1",
  sha256: "64 lowercase hex characters, as sha256sum prints",
};

/** Throws naming the field and the form it needs. */
export function checkStatement(value: unknown): ArtifactStatement {
  if (typeof value !== "object" || value === null) throw new Error("artifact statement must be a JSON object");
  const record = value as Record<string, unknown>;
  if (record.type !== STATEMENT_TYPE) throw new Error(`artifact statement type must be "${STATEMENT_TYPE}"`);
  for (const field of Object.keys(FIELD_PATTERNS) as (keyof ArtifactStatement)[]) {
    const v = record[field];
    if (typeof v !== "string" || !FIELD_PATTERNS[field].test(v)) {
      throw new Error(`artifact statement ${field} must be ${FIELD_HINTS[field]}, got ${JSON.stringify(v)}`);
    }
  }
  const extra = Object.keys(record).filter((k) => k !== "type" && !(k in FIELD_PATTERNS));
  if (extra.length) throw new Error(`artifact statement has unknown fields: ${extra.join(", ")}`);
  return { model: record.model as string, version: record.version as string, sha256: record.sha256 as string };
}

/**
 * The exact bytes that are signed: JSON with the keys in code-point order, no whitespace, UTF-8.
 * Every value is ASCII from a restricted alphabet, so no two tools can encode it differently.
 */
export function canonicalStatement(statement: ArtifactStatement): Buffer {
  const { model, sha256, version } = checkStatement({ type: STATEMENT_TYPE, ...statement });
  return Buffer.from(JSON.stringify({ model, sha256, type: STATEMENT_TYPE, version }), "utf8");
}
