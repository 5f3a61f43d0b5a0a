import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { refusalOf as refusal } from "../testing/refusal-of.js";
import { detectSignature } from "./signature-format.js";
import { verifySignatureFile } from "./verify-signature.js";

// Outputs of the real cosign and model_signing, recorded in fixtures/signatures (README.md there
// says how they were made).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/signatures/${name}`, import.meta.url));
const SHA = createHash("sha256").update(fixture("model.bin")).digest("hex");
const expected = { model: "detector", version: "1.0.0", sha256: SHA };
const verify = (signature: string, key: string, sha256 = SHA) =>
  verifySignatureFile(fixture(signature), fixture(key).toString(), { ...expected, sha256 });

describe("signature files of the real tools", () => {
  it.each([
    ["model.bin.sig", "cosign.pub", "cosign"],
    ["model.bin.cosign-legacy.bundle", "cosign.pub", "cosign"],
    ["model.bin.cosign.bundle", "cosign.pub", "sigstore-bundle"],
    ["model.bin.cosign-rsa.bundle", "cosign-rsa.pub", "sigstore-bundle"],
    ["model.bin.cosign-attest.bundle", "cosign.pub", "sigstore-bundle/in-toto"],
    ["model.bin.model-signing.sig", "model-signing.pub", "sigstore-bundle/model-signing"],
  ])("%s verifies with %s as %s", (signature, key, format) => {
    expect(verify(signature, key)).toBe(format);
  });

  it("detects each format from the content", () => {
    expect(detectSignature(fixture("model.bin.sig")).format).toBe("cosign");
    expect(detectSignature(fixture("model.bin.cosign-legacy.bundle")).format).toBe("cosign");
    const bundle = detectSignature(fixture("model.bin.cosign.bundle"));
    expect(bundle).toMatchObject({
      format: "sigstore-bundle",
      bundle: {
        mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
        tlogEntries: 0,
        content: { kind: "message-signature", sha256: SHA },
      },
    });
    expect(detectSignature(fixture("model.bin.model-signing.sig"))).toMatchObject({
      bundle: { content: { kind: "dsse", payloadType: "application/vnd.in-toto+json" } },
    });
  });

  it("refuses each with another tool's key, and for another file", () => {
    for (const [signature, key] of [
      ["model.bin.sig", "model-signing.pub"],
      ["model.bin.cosign.bundle", "model-signing.pub"],
      ["model.bin.model-signing.sig", "cosign.pub"],
    ] as const) {
      expect(refusal(() => verify(signature, key)).reason).toBe("signature-invalid");
      expect(
        refusal(() => verify(signature, signature.includes("model-signing") ? "model-signing.pub" : "cosign.pub", "0".repeat(64))).message,
      ).toContain("0".repeat(64));
    }
  });

  it("refuses cosign's Ed25519 bundle, a signature over the whole file rather than its digest", () => {
    expect(refusal(() => verify("model.bin.cosign-ed25519.bundle", "cosign-ed25519.pub")).message).toMatch(
      /carries no digest of the file .*Ed25519 key/,
    );
  });
});

// A ModelTrustPolicy during a rotation hands the install every key it allows, concatenated.
describe("several allowed keys, as a trust policy's rotation passes them", () => {
  const keys = (...names: string[]) => names.map((n) => fixture(n).toString()).join("");
  const verifyWith = (signature: string, ...names: string[]) => verifySignatureFile(fixture(signature), keys(...names), expected);

  it.each([
    ["model.bin.sig", "cosign"],
    ["model.bin.cosign.bundle", "sigstore-bundle"],
    ["model.bin.cosign-rsa.bundle", "sigstore-bundle"],
    ["model.bin.model-signing.sig", "sigstore-bundle/model-signing"],
  ])("accepts %s signed by either key, in either order", (signature, format) => {
    const own = signature.includes("model-signing") ? "model-signing.pub" : signature.includes("rsa") ? "cosign-rsa.pub" : "cosign.pub";
    const other = own === "cosign.pub" ? "model-signing.pub" : "cosign.pub";
    expect(verifyWith(signature, own, other)).toBe(format);
    expect(verifyWith(signature, other, own)).toBe(format);
  });

  it("refuses a signature by none of them, naming each key's failure", () => {
    const refused = refusal(() => verifyWith("model.bin.sig", "model-signing.pub", "cosign-rsa.pub"));
    expect(refused.reason).toBe("signature-invalid");
    expect(refused.message).toMatch(/verifies with none of the 2 allowed public keys: key 1: .*; key 2: /);
  });
});

describe("where a trust policy accepts only scoped statements", () => {
  it.each(["model.bin.sig", "model.bin.cosign.bundle", "model.bin.model-signing.sig"])(
    "refuses %s, which names no namespace",
    (signature) => {
      const key = signature.includes("model-signing") ? "model-signing.pub" : "cosign.pub";
      const refused = refusal(() => verifySignatureFile(fixture(signature), fixture(key).toString(), { ...expected, scopedOnly: true }));
      expect(refused.reason).toBe("signature-invalid");
      expect(refused.message).toMatch(/names no namespace or variant, and the model's trust policy accepts only edgefleet v2 statements/);
    },
  );
});
