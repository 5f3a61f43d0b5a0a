import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEnvelope, generateSigningKey, signFile } from "@edgefleet/edge-agent";

/** What an EdgeModel variant's artifact field says about a published file. */
export interface PublishedArtifact {
  uri: string;
  sha256: string;
  sizeBytes: number;
  signature: { uri: string; publicKeyRef: { name: string; key: string } };
  /** Registry credentials for an oci:// uri: a kubernetes.io/dockerconfigjson Secret in the model's namespace. */
  pullSecretRef?: { name: string };
}

/** The Secret (in the model's namespace) holding the registry's public key, as variants reference it. */
export const PUBLIC_KEY_REF = { name: "edgefleet-model-signing", key: "ed25519.pub" };

/** The publisher's signing key, created once per state directory. */
export function signingKey(dir: string): { privateKeyPem: string; publicKeyPem: string } {
  const privateFile = join(dir, "signing.key");
  const publicFile = join(dir, "signing.pub");
  if (!existsSync(privateFile)) {
    const key = generateSigningKey();
    writeFileSync(privateFile, key.privateKeyPem, { mode: 0o600 });
    writeFileSync(publicFile, key.publicKeyPem);
  }
  return { privateKeyPem: readFileSync(privateFile, "utf8"), publicKeyPem: readFileSync(publicFile, "utf8") };
}

export interface PublishOptions {
  /** The registry's directory and base URL (tools/src/simulator/artifact-server.ts). */
  readonly dir: string;
  readonly baseUrl: string;
  readonly model: string;
  readonly version: string;
  readonly bytes: Uint8Array;
  readonly privateKeyPem: string;
  /** The file's name in the registry (default MODEL-VERSION.onnx), for builds in other formats. */
  readonly file?: string;
}

/**
 * Puts a model file in the registry with its signed statement for (model, version, sha256), the
 * way a model team's CI would publish a release; returns the variant's artifact field.
 */
export function publishArtifact(options: PublishOptions): PublishedArtifact {
  const file = options.file ?? `${options.model}-${options.version}.onnx`;
  const path = join(options.dir, file);
  writeFileSync(path, options.bytes);
  const signed = signFile({ file: path, model: options.model, version: options.version, privateKeyPem: options.privateKeyPem });
  writeFileSync(`${path}.sig`, encodeEnvelope(signed.envelope));
  return {
    uri: `${options.baseUrl}/${file}`,
    sha256: signed.sha256,
    sizeBytes: signed.sizeBytes,
    signature: { uri: `${options.baseUrl}/${file}.sig`, publicKeyRef: PUBLIC_KEY_REF },
  };
}

/** Flips the last byte of a stored file: same size, another digest, what a compromised server would serve. */
export function flipLastByte(path: string): void {
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

/** Replaces a published file's bytes behind its signature: what a compromised mirror would serve. */
export function tamperArtifact(dir: string, artifact: PublishedArtifact): void {
  flipLastByte(join(dir, artifact.uri.slice(artifact.uri.lastIndexOf("/") + 1)));
}
