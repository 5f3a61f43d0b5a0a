import { describe, expect, it } from "vitest";
import { parseOciReference } from "./oci-reference.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseOciReference", () => {
  it("splits registry, repository and tag or digest", () => {
    expect(parseOciReference("oci://ghcr.io/acme/models/detector:ov-int8")).toEqual({
      registry: "ghcr.io",
      repository: "acme/models/detector",
      reference: "ov-int8",
      digest: undefined,
    });
    expect(parseOciReference(`oci://localhost:5000/detector@${DIGEST}`)).toEqual({
      registry: "localhost:5000",
      repository: "detector",
      reference: DIGEST,
      digest: DIGEST,
    });
    // A tag beside the digest documents it; the digest decides.
    expect(parseOciReference(`oci://registry.example/a/b:1.0@${DIGEST}`)).toMatchObject({ repository: "a/b", reference: DIGEST });
  });

  it("refuses what the distribution API cannot address, naming the accepted forms", () => {
    const forms = /use oci:\/\/<registry>\[:port\]\/<repository>:<tag> or/;
    expect(() => parseOciReference("oci://localhost:5000/detector")).toThrow(/neither a :tag nor an @sha256: digest/);
    expect(() => parseOciReference("oci://localhost:5000/detector")).toThrow(forms);
    expect(() => parseOciReference("oci://ghcr.io")).toThrow(/names no repository/);
    expect(() => parseOciReference("oci://ghcr.io/Acme/detector:1")).toThrow(/repository "Acme\/detector" must be lowercase/);
    expect(() => parseOciReference("oci://ghcr.io/detector@sha256:abc")).toThrow(/digest "sha256:abc" must be sha256:/);
    expect(() => parseOciReference("oci://ghcr.io/detector:-x")).toThrow(/tag "-x"/);
    expect(() => parseOciReference("https://ghcr.io/detector:1")).toThrow(/must start with oci:\/\//);
    expect(() => parseOciReference("oci://user@ghcr.io/detector:1")).toThrow(/registry "user@ghcr.io"/);
  });
});
