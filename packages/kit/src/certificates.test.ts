import { rootCertificates } from "node:tls";
import { describe, expect, it } from "vitest";
import { certificateBundle } from "./certificates.js";

const [first = "", second = ""] = rootCertificates;

describe("certificateBundle", () => {
  it("keeps every certificate of a bundle, dropping the text around them", () => {
    expect(certificateBundle(`# site CAs\n${first}\nsubject=...\n${second}\n`, "ca.pem")).toBe(`${first}\n${second}\n`);
  });

  it("names the source when it is empty, holds no certificate or one that does not parse", () => {
    expect(() => certificateBundle(" \n", "--artifact-ca-bundle ca.pem")).toThrow(
      /^--artifact-ca-bundle ca.pem is empty: give one or more PEM CA/,
    );
    expect(() => certificateBundle("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "ca.pem")).toThrow(
      /^ca.pem holds no PEM certificate/,
    );
    const broken = first.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA");
    expect(() => certificateBundle(`${second}\n${broken}`, "ca.pem")).toThrow(/^ca.pem: certificate 2 of 2 does not parse/);
  });
});
