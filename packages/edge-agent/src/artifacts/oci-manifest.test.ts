import { describe, expect, it } from "vitest";
import {
  chooseLayer,
  DOCKER_MANIFEST,
  EMPTY_CONFIG,
  MODEL_ARTIFACT_TYPE,
  OCI_MANIFEST,
  parseManifest,
  SIGNATURE_LAYER_TYPE,
} from "./oci-manifest.js";

const MODEL = "11".repeat(32);
const URI = "oci://registry.example/detector:1.0.0";
const layer = (mediaType: string, hex: string, size: number, title?: string) => ({
  mediaType,
  digest: `sha256:${hex}`,
  size,
  ...(title ? { annotations: { "org.opencontainers.image.title": title } } : {}),
});
// What `oras push … detector.onnx detector.onnx.sig:<signature type>` writes.
const orasManifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  artifactType: MODEL_ARTIFACT_TYPE,
  config: EMPTY_CONFIG,
  layers: [
    layer("application/vnd.oci.image.layer.v1.tar", MODEL, 4096, "detector.onnx"),
    layer(SIGNATURE_LAYER_TYPE, "22".repeat(32), 300, "detector.onnx.sig"),
  ],
};
const body = (json: unknown) => Buffer.from(JSON.stringify(json));

describe("parseManifest", () => {
  it("reads OCI and Docker schema 2 manifests, taking the media type from Content-Type when the body has none", () => {
    expect(parseManifest(body(orasManifest), undefined)).toMatchObject({ artifactType: MODEL_ARTIFACT_TYPE, layers: orasManifest.layers });
    const { mediaType: _, ...bare } = orasManifest;
    expect(parseManifest(body(bare), `${DOCKER_MANIFEST}; charset=utf-8`).mediaType).toBe(DOCKER_MANIFEST);
  });

  it("refuses indexes, other media types and malformed layers, saying what is wrong", () => {
    expect(() => parseManifest(body({ schemaVersion: 2, manifests: [] }), "application/vnd.oci.image.index.v1+json")).toThrow(
      /index of manifests/,
    );
    expect(() => parseManifest(body({ ...orasManifest, mediaType: "text/plain" }), undefined)).toThrow(/media type is "text\/plain"/);
    expect(() => parseManifest(Buffer.from("{"), OCI_MANIFEST)).toThrow(/not JSON/);
    expect(() => parseManifest(body({ ...orasManifest, layers: [{ digest: "x" }] }), undefined)).toThrow(/layers\[0\] is not a descriptor/);
    expect(() => parseManifest(body({ ...orasManifest, schemaVersion: 1 }), undefined)).toThrow(/schemaVersion is 1/);
  });
});

describe("chooseLayer", () => {
  const manifest = parseManifest(body(orasManifest), undefined);

  it("chooses the model file by the artifact's sha256, whatever its media type, and the signature by its media type", () => {
    expect(chooseLayer(URI, manifest, { sha256: MODEL }, 4096).annotations?.["org.opencontainers.image.title"]).toBe("detector.onnx");
    expect(chooseLayer(URI, manifest, "signature").digest).toBe(`sha256:${"22".repeat(32)}`);
  });

  it("refuses an artifact without the layer, naming the layers present", () => {
    expect(() => chooseLayer(URI, manifest, { sha256: "33".repeat(32) })).toThrow(
      expect.objectContaining({
        reason: "download-failed",
        message: expect.stringContaining(
          `has no layer sha256:${"33".repeat(32)} (the artifact's sha256); layers: detector.onnx sha256:${MODEL}`,
        ),
      }),
    );
    expect(() => chooseLayer(URI, manifest, { sha256: MODEL }, 4095)).toThrow(expect.objectContaining({ reason: "size-mismatch" }));
    const unsigned = { ...manifest, layers: manifest.layers.slice(0, 1) };
    expect(() => chooseLayer(URI, unsigned, "signature")).toThrow(
      new RegExp(`has 0 layers of media type ${SIGNATURE_LAYER_TYPE.replace(/[.+]/g, "\\$&")}`),
    );
  });
});
