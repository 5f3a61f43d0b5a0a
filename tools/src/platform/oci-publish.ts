import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEnvelope, pushArtifact, signFile } from "@edgefleet/edge-agent";
import { dockerConfig as dockerConfigFor, type OciRegistry, startOciRegistry } from "../services/oci-registry.js";
import { flipLastByte, PUBLIC_KEY_REF, type PublishedArtifact } from "./registry.js";

/** The kubernetes.io/dockerconfigjson Secret, in each model namespace, that variants name as their pullSecretRef. */
export const PULL_SECRET = "edgefleet-registry";

export interface OciPublisherOptions {
  /** The registry's storage and config, and the files it published. */
  readonly dir: string;
  /** The address it listens on and clients name it by (pods reach the host there). */
  readonly host: string;
  /** Its serving certificate, issued for host. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** The CA that issued tls: the publisher trusts it, as the platform does (operator.artifactCaBundle). */
  readonly ca: string;
  /** The publisher's signing key (edgefleet's signature format). */
  readonly privateKeyPem: string;
}

export interface OciPublisher {
  readonly registry: OciRegistry;
  /** The docker config JSON with the registry's one user: the pull Secret's .dockerconfigjson. */
  readonly dockerConfig: string;
  /**
   * Signs a model file for (model, version) and pushes it with its signature as one OCI artifact
   * (tools/edgefleet artifacts push does the same); returns the variant's artifact field, pinned by
   * the manifest's digest and naming PULL_SECRET.
   */
  publish(model: string, version: string, bytes: Uint8Array): Promise<PublishedArtifact>;
  /** Flips a byte of a published model file in the registry's storage: what a compromised registry would serve. */
  tamper(artifact: PublishedArtifact): void;
}

/**
 * A site's model registry as a model team publishes to it: the real OCI registry (CNCF
 * Distribution) over TLS, with a password, so devices pull with the credentials of a pull Secret.
 */
export async function startOciPublisher(o: OciPublisherOptions): Promise<OciPublisher> {
  const publisher = { username: "publisher", password: randomBytes(12).toString("hex") };
  const registry = await startOciRegistry({
    dir: o.dir,
    host: o.host,
    hostName: o.host,
    tls: o.tls,
    users: { [publisher.username]: publisher.password },
  });
  const dockerConfig = dockerConfigFor(registry.address, publisher);
  const files = join(o.dir, "published");
  mkdirSync(files, { recursive: true });
  return {
    registry,
    dockerConfig,
    async publish(model, version, bytes) {
      const file = join(files, `${model}-${version}.onnx`);
      writeFileSync(file, bytes);
      const signed = signFile({ file, model, version, privateKeyPem: o.privateKeyPem });
      const pushed = await pushArtifact({
        file,
        signature: Buffer.from(encodeEnvelope(signed.envelope)),
        to: `oci://${registry.address}/models/${model}:${version}`,
        registryAuth: dockerConfig,
        extraCa: o.ca,
      });
      return {
        uri: pushed.uri,
        sha256: pushed.sha256,
        sizeBytes: pushed.sizeBytes,
        // The signature layer of the same artifact (the fetcher picks it by its media type).
        signature: { uri: pushed.uri, publicKeyRef: PUBLIC_KEY_REF },
        pullSecretRef: { name: PULL_SECRET },
      };
    },
    tamper(artifact) {
      // Distribution's filesystem layout: blobs/sha256/<first two hex digits>/<digest>/data.
      flipLastByte(join(registry.storageDir, "docker/registry/v2/blobs/sha256", artifact.sha256.slice(0, 2), artifact.sha256, "data"));
    },
  };
}
