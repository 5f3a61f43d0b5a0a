import { rootCertificates } from "node:tls";
import { ARTIFACT_CA_BUNDLE_ENV, PLAIN_HTTP_REGISTRIES_ENV } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { installFetchers, platformTrust, pushAccess } from "./registry-access.js";

/** One CA certificate, as the operator's --artifact-ca-bundle would hold it. */
const PEM = `${rootCertificates[0]}\n`;

describe("a platform pod's registry access", () => {
  it("reads the operator's CA bundle and plain-HTTP registries, and pushes over plain HTTP only to a listed registry", () => {
    const trust = platformTrust({ [ARTIFACT_CA_BUNDLE_ENV]: PEM, [PLAIN_HTTP_REGISTRIES_ENV]: "registry.site.lan:5000, 10.0.0.7:5000" });
    expect(trust).toEqual({ extraCa: PEM, plainHttpRegistries: ["registry.site.lan:5000", "10.0.0.7:5000"] });
    expect(pushAccess("oci://registry.site.lan:5000/models/digits", trust, "{}")).toEqual({
      registryAuth: "{}",
      extraCa: PEM,
      plainHttp: true,
    });
    // The same host on another port is another registry.
    expect(pushAccess("oci://registry.site.lan/models/digits", trust).plainHttp).toBe(false);
    // Fetches: the CA for https://, the listed registries over plain HTTP, this artifact's credentials.
    expect(installFetchers(trust, "{}")).toEqual({
      https: { extraCa: PEM },
      oci: { registryAuth: "{}", plainHttpRegistries: ["registry.site.lan:5000", "10.0.0.7:5000"] },
    });
    expect(platformTrust({})).toEqual({ plainHttpRegistries: [] });
    expect(() => platformTrust({ [PLAIN_HTTP_REGISTRIES_ENV]: "http://registry.site.lan" })).toThrow(
      `$${PLAIN_HTTP_REGISTRIES_ENV}: "http://registry.site.lan" is not a registry host[:port]`,
    );
    // A bundle that is not one fails here, naming the variable, not as a TLS error at the first fetch.
    expect(() => platformTrust({ [ARTIFACT_CA_BUNDLE_ENV]: "PEM" })).toThrow(`$${ARTIFACT_CA_BUNDLE_ENV} holds no PEM certificate`);
  });
});
