import { createHash, randomBytes } from "node:crypto";
import type { ArtifactSpec } from "@edgefleet/edge-agent";
import { encodeEnvelope, signStatement } from "@edgefleet/edge-agent";
import type { Route } from "./server.js";

export interface Key {
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface Published {
  body: Buffer;
  spec: ArtifactSpec;
}

export const sha256 = (body: Uint8Array) => createHash("sha256").update(body).digest("hex");

/**
 * Puts a model file and its signature on the test server, as a publisher would, and returns the
 * EdgeModel artifact that points at them. `signedAs` signs under another version (a replay);
 * `signWith` signs with another key; `unsigned` leaves the signature out; `scope` signs the v2
 * statement, which names namespace and variant.
 */
export function publish(
  server: { origin: string; routes: Map<string, Route> },
  options: {
    model: string;
    version: string;
    key: Key;
    bytes?: number;
    signedAs?: string;
    signWith?: Key;
    unsigned?: boolean;
    scope?: { namespace: string; variant: string };
  },
): Published {
  const body = randomBytes(options.bytes ?? 64 * 1024);
  const digest = sha256(body);
  const path = `/${options.model}/${options.version}/${digest.slice(0, 8)}.onnx`;
  server.routes.set(path, { body });
  const spec: ArtifactSpec = { uri: server.origin + path, sha256: digest, sizeBytes: body.length };
  if (!options.unsigned) {
    const envelope = signStatement(
      { model: options.model, version: options.signedAs ?? options.version, sha256: digest, ...options.scope },
      (options.signWith ?? options.key).privateKeyPem,
    );
    server.routes.set(`${path}.sig`, { body: Buffer.from(encodeEnvelope(envelope)) });
    spec.signature = { uri: `${server.origin}${path}.sig`, publicKeyPem: options.key.publicKeyPem };
  }
  return { body, spec };
}
