import { rootCertificates } from "node:tls";
import { describe, expect, it } from "vitest";
import { trustedCas } from "./https-fetcher.js";

describe("trustedCas", () => {
  it("leaves Node's default trust alone without a CA, and replaces it with ca", () => {
    expect(trustedCas({})).toBeUndefined();
    expect(trustedCas({ ca: "SITE" })).toEqual(["SITE"]);
    expect(trustedCas({ ca: ["A", "B"] })).toEqual(["A", "B"]);
  });

  it("adds extraCa to the public roots, or to ca when given", () => {
    expect(trustedCas({ extraCa: "PLATFORM" })).toEqual([...rootCertificates, "PLATFORM"]);
    expect(trustedCas({ ca: "SITE", extraCa: "PLATFORM" })).toEqual(["SITE", "PLATFORM"]);
  });
});
