import { ArtifactRefusal } from "./refusal.js";

/** The manifest kinds a model artifact may be pushed as: OCI's (what ORAS writes) and Docker's schema 2. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Sent as Accept, so a registry answers with a manifest it stores in either form rather than converting. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST].join(", ");
/** Lists of manifests (multi-platform images): a model artifact is one manifest, so these are refused. */
const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/** edgefleet's model artifact: the manifest's artifactType. */
export const MODEL_ARTIFACT_TYPE = "application/vnd.edgefleet.model.v1";
/** The model file's layer (chosen by digest, so ORAS's default layer type is accepted too). */
export const MODEL_LAYER_TYPE = "application/vnd.edgefleet.model.file.v1";
/** The signature file's layer (docs/artifacts.md "The signed statement"): chosen by this type. */
export const SIGNATURE_LAYER_TYPE = "application/vnd.edgefleet.model.signature.v1+json";
/** OCI 1.1's empty config, `{}`: artifacts carry no image config. */
export const EMPTY_CONFIG = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
} as const;
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

/** A manifest may be large for an image, never for a model artifact: this bounds what is read. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  /** sha256:<hex>; other algorithms are listed but never chosen. */
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Manifest {
  mediaType: string;
  artifactType: string | undefined;
  layers: Descriptor[];
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null || typeof d.mediaType !== "string" || typeof d.digest !== "string")
    throw new Error(`${where} is not a descriptor with mediaType and digest`);
  if (!Number.isSafeInteger(d.size) || (d.size ?? -1) < 0) throw new Error(`${where}.size must be a non-negative integer`);
  const annotations = typeof d.annotations === "object" && d.annotations !== null ? d.annotations : undefined;
  return { mediaType: d.mediaType, digest: d.digest, size: d.size as number, ...(annotations ? { annotations } : {}) };
}

/**
 * A manifest's layers. `contentType` is the response's Content-Type, used when the body has no
 * mediaType (it is optional in OCI manifests). Throws a plain Error saying what is wrong.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): Manifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new Error(`the manifest is not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("the manifest is not a JSON object");
  const mediaType = typeof json.mediaType === "string" ? json.mediaType : (contentType?.split(";")[0]?.trim() ?? "");
  if (INDEX_TYPES.includes(mediaType) || Array.isArray(json.manifests))
    throw new Error("the reference is an index of manifests (a multi-platform image), not one model artifact");
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST)
    throw new Error(`the manifest's media type is ${JSON.stringify(mediaType)}, not ${OCI_MANIFEST} or ${DOCKER_MANIFEST}`);
  if (json.schemaVersion !== 2) throw new Error(`the manifest's schemaVersion is ${JSON.stringify(json.schemaVersion)}, not 2`);
  if (!Array.isArray(json.layers)) throw new Error("the manifest has no layers array");
  return {
    mediaType,
    artifactType: typeof json.artifactType === "string" ? json.artifactType : undefined,
    layers: json.layers.map((layer, i) => descriptor(layer, `layers[${i}]`)),
  };
}

/** "detector.onnx sha256:ab… (application/…)" for each layer, for refusals that must say what is there. */
export function describeLayers(layers: readonly Descriptor[]): string {
  if (!layers.length) return "none";
  return layers.map((l) => `${l.annotations?.[TITLE_ANNOTATION] ?? "(untitled)"} ${l.digest} (${l.mediaType}, ${l.size} bytes)`).join("; ");
}

/** Which layer a fetch wants: the model file by its digest, or the signature file by its media type. */
export type LayerChoice = { sha256: string } | "signature";

/**
 * The one layer a fetch wants. The model file is chosen by the EdgeModel's sha256, so the choice is
 * exact whatever else the artifact holds; its size must be the artifact's sizeBytes.
 */
export function chooseLayer(uri: string, manifest: Manifest, want: LayerChoice, sizeBytes?: number): Descriptor {
  if (want === "signature") {
    const found = manifest.layers.filter((l) => l.mediaType === SIGNATURE_LAYER_TYPE);
    if (found.length !== 1 || found[0] === undefined) {
      throw new ArtifactRefusal(
        "download-failed",
        `${uri} has ${found.length} layers of media type ${SIGNATURE_LAYER_TYPE}, the signature needs exactly one; layers: ${describeLayers(manifest.layers)}`,
      );
    }
    return found[0];
  }
  const layer = manifest.layers.find((l) => l.digest === `sha256:${want.sha256}`);
  if (layer === undefined) {
    throw new ArtifactRefusal(
      "download-failed",
      `${uri} has no layer sha256:${want.sha256} (the artifact's sha256); layers: ${describeLayers(manifest.layers)}`,
    );
  }
  if (sizeBytes !== undefined && layer.size !== sizeBytes)
    throw new ArtifactRefusal(
      "size-mismatch",
      `${uri} layer ${layer.digest} has ${layer.size} bytes, the artifact's sizeBytes is ${sizeBytes}`,
    );
  return layer;
}
