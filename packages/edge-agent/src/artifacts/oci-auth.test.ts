import { describe, expect, it } from "vitest";
import { basicAuthorization, parseChallenge, parseTokenResponse, registryCredentials, tokenUrl } from "./oci-auth.js";

describe("parseChallenge", () => {
  it("reads Bearer and Basic challenges with quoted and bare parameters", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" },
    });
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: "basic", params: { realm: "basic-realm" } });
    expect(parseChallenge('bearer Realm=https://a/t, error="invalid_token", note="a \\"quoted\\" word"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://a/t", error: "invalid_token", note: 'a "quoted" word' },
    });
    expect(parseChallenge("")).toBeUndefined();
  });
});

describe("tokenUrl and parseTokenResponse", () => {
  it("asks the realm for the challenge's scope, or ours without one", () => {
    const challenge = { scheme: "bearer", params: { realm: "https://auth.example/token?x=1", service: "reg" } };
    expect(tokenUrl(challenge, "repository:a:pull").href).toBe("https://auth.example/token?x=1&service=reg&scope=repository%3Aa%3Apull");
    expect(
      tokenUrl({ scheme: "bearer", params: { realm: "https://a/t", scope: "repository:b:pull" } }, "x").searchParams.get("scope"),
    ).toBe("repository:b:pull");
    expect(() => tokenUrl({ scheme: "bearer", params: {} }, "x")).toThrow(/no realm/);
  });

  it("sends credentials to an https:// token endpoint only, unless the registry is allowed plain HTTP", () => {
    const challenge = { scheme: "bearer", params: { realm: "http://auth.example/token" } };
    expect(() => tokenUrl(challenge, "x")).toThrow(/token endpoint http:\/\/auth\.example, which is not https:\/\//);
    expect(tokenUrl(challenge, "x", true).protocol).toBe("http:");
    expect(() => tokenUrl({ scheme: "bearer", params: { realm: "file:///etc/passwd" } }, "x", true)).toThrow(/not https/);
    expect(() => tokenUrl({ scheme: "bearer", params: { realm: "not a url" } }, "x")).toThrow(/not a URL/);
  });

  it("takes token or OAuth2's access_token", () => {
    expect(parseTokenResponse(Buffer.from('{"token":"t1"}'))).toBe("t1");
    expect(parseTokenResponse(Buffer.from('{"access_token":"t2"}'))).toBe("t2");
    expect(() => parseTokenResponse(Buffer.from("{}"))).toThrow(/no token/);
  });
});

describe("registryCredentials", () => {
  const auth = Buffer.from("robot:s3cr:et").toString("base64");
  const config = JSON.stringify({
    auths: {
      "https://registry.example:5000/v1/": { auth },
      "ghcr.io": { username: "u", password: "p" },
      "https://index.docker.io/v1/": { auth },
    },
  });

  it("finds a registry's entry whatever form its key has, Docker Hub under its legacy name", () => {
    expect(registryCredentials(config, "registry.example:5000")).toEqual({ username: "robot", password: "s3cr:et" });
    expect(registryCredentials(config, "GHCR.io")).toEqual({ username: "u", password: "p" });
    expect(registryCredentials(config, "registry-1.docker.io")).toEqual({ username: "robot", password: "s3cr:et" });
    expect(registryCredentials(config, "registry.example")).toBeUndefined();
    expect(basicAuthorization({ username: "u", password: "p" })).toBe("Basic dTpw");
  });

  it("refuses a file that is not a docker config, naming what is wrong", () => {
    expect(() => registryCredentials("{", "x", "--registry-auth f")).toThrow(/--registry-auth f is not JSON/);
    expect(() => registryCredentials("{}", "x")).toThrow(/no "auths" object/);
    expect(() => registryCredentials('{"auths":{"x":{"auth":"bm9jb2xvbg=="}}}', "x")).toThrow(/neither "auth"/);
  });
});
