import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { optionsOf, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { parseInstallOptions } from "./install-options.js";

const tempDir = useTempDirs("install-options");
const ENV = {
  EDGEFLEET_MODEL: "vision/detector",
  EDGEFLEET_MODEL_VERSION: "1.0.0",
  EDGEFLEET_ARTIFACT_URI: "oci://registry.site:5000/models/detector:1.0.0",
  EDGEFLEET_ARTIFACT_SHA256: "a".repeat(64),
  EDGEFLEET_ARTIFACT_SIZE_BYTES: "4096",
};

describe("the install command's OCI options", () => {
  it("reads the registry credentials file and the plain-HTTP registries from the operator's environment", () => {
    const auth = join(tempDir(), "config.json");
    const config = JSON.stringify({ auths: { "registry.site:5000": { username: "device", password: "p" } } });
    writeFileSync(auth, config);
    const options = optionsOf(
      parseInstallOptions([], { ...ENV, EDGEFLEET_REGISTRY_AUTH_FILE: auth, EDGEFLEET_PLAIN_HTTP_REGISTRIES: "registry.site:5000" }),
    );
    expect(options.fetchers.oci).toEqual({ registryAuth: config, plainHttpRegistries: ["registry.site:5000"] });
    expect(optionsOf(parseInstallOptions([], ENV)).fetchers.oci).toEqual({});
  });

  it("refuses a credentials file that is not a docker config, or a bad registry, as bad flags", () => {
    const auth = join(tempDir(), "config.json");
    writeFileSync(auth, '{"registry.site:5000": {}}');
    expect(() => parseInstallOptions([`--registry-auth=${auth}`], ENV)).toThrow(`--registry-auth ${auth} has no "auths" object`);
    expect(() => parseInstallOptions(["--plain-http-registries=http://x"], ENV)).toThrow(
      /--plain-http-registries: "http:\/\/x" is not a registry/,
    );
  });
});

describe("the install command's public keys", () => {
  const signed = { ...ENV, EDGEFLEET_SIGNATURE_URI: "https://models.example/detector.sig" };
  it("takes a trust policy's keys over the tenant's key when the operator sets both", () => {
    const options = optionsOf(
      parseInstallOptions([], { ...signed, EDGEFLEET_SIGNATURE_PUBLIC_KEY: "tenant", EDGEFLEET_SIGNATURE_PUBLIC_KEYS: "policy" }),
    );
    expect(options.artifact.signature).toEqual({ uri: signed.EDGEFLEET_SIGNATURE_URI, publicKeyPem: "policy" });
    expect(
      optionsOf(parseInstallOptions([], { ...signed, EDGEFLEET_SIGNATURE_PUBLIC_KEY: "tenant" })).artifact.signature?.publicKeyPem,
    ).toBe("tenant");
  });
});

describe("the install command's evaluation data", () => {
  const evaluation = {
    EDGEFLEET_EVALUATION_URI: "oci://registry.site:5000/models/detector:1.0.0-evaluation",
    EDGEFLEET_EVALUATION_SHA256: "e".repeat(64),
  };
  it("reads the variant's evaluation data from the operator's environment, bounded by --evaluation-max-bytes", () => {
    const options = optionsOf(parseInstallOptions(["--evaluation-max-bytes=1024"], { ...ENV, ...evaluation }));
    expect([options.evaluation, options.evaluationMaxBytes]).toEqual([
      { uri: evaluation.EDGEFLEET_EVALUATION_URI, sha256: evaluation.EDGEFLEET_EVALUATION_SHA256 },
      1024,
    ]);
    expect(optionsOf(parseInstallOptions([], ENV)).evaluation).toBeUndefined();
  });

  it("refuses a uri without its sha256, naming both variables", () => {
    expect(() => parseInstallOptions([], { ...ENV, EDGEFLEET_EVALUATION_URI: evaluation.EDGEFLEET_EVALUATION_URI })).toThrow(
      "--evaluation-uri and --evaluation-sha256 go together (EDGEFLEET_EVALUATION_URI, EDGEFLEET_EVALUATION_SHA256)",
    );
  });
});
