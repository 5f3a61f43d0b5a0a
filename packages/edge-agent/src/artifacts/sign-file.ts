import { statSync } from "node:fs";
import { sha256File } from "./digest.js";
import { type SignatureEnvelope, signStatement } from "./signature.js";

export interface SignFileOptions {
  file: string;
  model: string;
  version: string;
  /** Both, for a scoped (v2) statement. */
  namespace?: string;
  variant?: string;
  privateKeyPem: string;
}

export interface SignedFile {
  /** What the EdgeModel variant's artifact needs besides the URIs. */
  sha256: string;
  sizeBytes: number;
  envelope: SignatureEnvelope;
}

/** The scope of a v2 statement from the signing commands' --namespace and --variant, which go together. */
export function statementScope(
  namespace: string | undefined,
  variant: string | undefined,
): { namespace: string; variant: string } | undefined {
  if ((namespace === undefined) !== (variant === undefined)) throw new Error("--namespace and --variant go together");
  return namespace !== undefined && variant !== undefined ? { namespace, variant } : undefined;
}

/** Signs a model file for one model version: the publisher's half of what the agent verifies. */
export function signFile({ file, privateKeyPem, ...statement }: SignFileOptions): SignedFile {
  const sha256 = sha256File(file);
  return { sha256, sizeBytes: statSync(file).size, envelope: signStatement({ ...statement, sha256 }, privateKeyPem) };
}
