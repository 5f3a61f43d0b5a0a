import { createHash } from "node:crypto";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
const STATEMENT_TYPES = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];
/** The predicate OpenSSF model-signing (PyPI model-signing 1.x) signs. */
export const MODEL_SIGNING_PREDICATE = "https://model_signing/signature/v1.0";

/** What a verified in-toto statement says about the artifact, for the install log. */
export type InTotoCoverage = "model-signing" | "in-toto";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks that a (signature-verified) in-toto statement covers exactly the file with this SHA-256.
 * model-signing lists the model's files in its predicate (`resources`, one per file; a single-file
 * model is one resource named ".") and puts in the subject a SHA-256 over their digests; other
 * statements (e.g. cosign attest-blob) name the file as a subject. Throws with what did not match.
 */
export function checkInTotoStatement(payload: Buffer, sha256: string): InTotoCoverage {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString("utf8"));
  } catch (err) {
    throw new Error(`the DSSE payload is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(statement) || !STATEMENT_TYPES.includes(statement._type as string)) {
    throw new Error(`the DSSE payload is not an in-toto statement (_type must be one of ${STATEMENT_TYPES.join(", ")})`);
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject.filter(isObject) : [];
  if (statement.predicateType === MODEL_SIGNING_PREDICATE) {
    checkModelSigning(statement, subjects, sha256);
    return "model-signing";
  }
  const digests = subjects.map((s) => (isObject(s.digest) ? s.digest.sha256 : undefined));
  if (!digests.includes(sha256)) {
    throw new Error(`the statement's subjects have sha256 ${digests.join(", ") || "(none)"}, not the artifact's ${sha256}`);
  }
  return "in-toto";
}

function checkModelSigning(statement: Json, subjects: Json[], sha256: string): void {
  const predicate = isObject(statement.predicate) ? statement.predicate : {};
  const serialization = isObject(predicate.serialization) ? predicate.serialization : {};
  if (serialization.method !== "files" || serialization.hash_type !== "sha256") {
    throw new Error(
      `the model-signing statement hashes with method ${JSON.stringify(serialization.method)} and hash_type ${JSON.stringify(serialization.hash_type)}; only whole files hashed with sha256 (model_signing's default) can be checked against the artifact's sha256`,
    );
  }
  const resources = Array.isArray(predicate.resources) ? predicate.resources.filter(isObject) : [];
  const listed = resources.map((r) => `${String(r.name)} sha256 ${String(r.digest)}`).join(", ");
  if (resources.length !== 1 || resources[0]?.algorithm !== "sha256") {
    throw new Error(`the model-signing statement lists ${resources.length} files (${listed}); a single-file model's lists exactly one`);
  }
  const digest = String(resources[0]?.digest);
  if (digest !== sha256) throw new Error(`the model-signing statement covers a file with sha256 ${digest}, not the artifact's ${sha256}`);
  // model-signing's own consistency check: the subject's digest is SHA-256 over the files' digests.
  const root = createHash("sha256").update(Buffer.from(digest, "hex")).digest("hex");
  const subject = subjects.length === 1 && isObject(subjects[0]?.digest) ? subjects[0].digest.sha256 : undefined;
  if (subject !== root)
    throw new Error(`the model-signing statement's subject digest ${String(subject)} is not the digest of its files (${root})`);
}
