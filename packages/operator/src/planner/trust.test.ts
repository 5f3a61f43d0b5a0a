import { edgeModel, type ModelTrustPolicy, type ModelVariant, variant } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { globMatches, judgeTrust, refusedByTrust } from "./trust.js";

const pem = (tag: string) => `-----BEGIN PUBLIC KEY-----\n${tag}\n-----END PUBLIC KEY-----\n`;

function policy(name: string, spec: Partial<ModelTrustPolicy["spec"]> = {}): ModelTrustPolicy {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "ModelTrustPolicy",
    metadata: { name },
    spec: { keys: [{ name: "vision-2026", publicKey: pem("A"), namespaces: ["vision"] }], ...spec },
  };
}

const signed = (v: ModelVariant, uri = `${v.artifact.uri}.sig`): ModelVariant => ({
  ...v,
  artifact: { ...v.artifact, signature: { uri, publicKeyRef: { name: "tenant-key", key: "key.pem" } } },
});
const model = (variants = [signed(variant("onnx-fp32", "onnx", "fp32", ["cpu"]))], name = "detector") => edgeModel({ variants }, name);

describe("judgeTrust", () => {
  it("enforces nothing without a policy: the tenant's key verifies, as before", () => {
    expect(judgeTrust(model(), [])).toEqual({ enforced: false });
  });

  it("allows a signed model its namespace's keys", () => {
    expect(judgeTrust(model(), [policy("platform")])).toEqual({
      enforced: true,
      allowed: true,
      keys: [pem("A")],
      scopedOnly: true,
      policies: ["platform"],
    });
  });

  it("refuses a namespace no key covers, naming the policies", () => {
    const verdict = judgeTrust(model(), [policy("platform", { keys: [{ name: "k", publicKey: pem("A"), namespaces: ["audio"] }] })]);
    expect(verdict).toMatchObject({ enforced: true, allowed: false });
    expect(verdict.enforced && !verdict.allowed && verdict.message).toMatch(
      /no ModelTrustPolicy has a key for namespace "vision", model "detector" \(policies: platform\).*spec\.keys\[\]\.namespaces/,
    );
  });

  it("tells the capacity ledger which models run nowhere: only those a policy refuses", () => {
    expect(refusedByTrust(model(), [])).toBe(false);
    expect(refusedByTrust(model(), [policy("platform")])).toBe(false);
    expect(refusedByTrust(model(), [policy("platform", { keys: [{ name: "k", publicKey: pem("A"), namespaces: ["audio"] }] })])).toBe(true);
  });

  it("matches namespace and model globs", () => {
    const keys = [{ name: "k", publicKey: pem("A"), namespaces: ["vis*"], models: ["det*"] }];
    expect(judgeTrust(model(), [policy("p", { keys })])).toMatchObject({ allowed: true });
    expect(judgeTrust(model(undefined, "classifier"), [policy("p", { keys })])).toMatchObject({ allowed: false });
    expect(globMatches("*", "anything")).toBe(true);
    expect(globMatches("a.b", "axb")).toBe(false);
    expect(globMatches("team-*-prod", "team-a-prod")).toBe(true);
  });

  it("gives every key covering the model, so a rotation overlaps", () => {
    const keys = [
      { name: "old", publicKey: pem("A"), namespaces: ["vision"] },
      { name: "new", publicKey: pem("B"), namespaces: ["*"] },
      { name: "audio", publicKey: pem("C"), namespaces: ["audio"] },
    ];
    expect(judgeTrust(model(), [policy("p", { keys })])).toMatchObject({ keys: [pem("A"), pem("B")] });
  });

  it("refuses an unsigned variant, a source outside the policy's and an artifact over its size, naming policy and field", () => {
    const v = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
    const sources = ["oci://ghcr.io/acme/"];
    const unsigned = judgeTrust(model([v]), [policy("platform")]);
    expect(unsigned.enforced && !unsigned.allowed && unsigned.message).toMatch(
      /ModelTrustPolicy "platform" refuses it: spec\.variants\[0\]\.artifact\.signature is missing: sign the artifact with one of the policy's keys \(vision-2026\)/,
    );
    const elsewhere = judgeTrust(model([signed(v, "https://elsewhere.example/x.sig")]), [policy("platform", { sources })]);
    expect(elsewhere.enforced && !elsewhere.allowed && elsewhere.message).toContain(
      'spec.variants[0].artifact.signature.uri "https://elsewhere.example/x.sig" is not under the policy\'s sources (oci://ghcr.io/acme/)',
    );
    expect(judgeTrust(model([signed(v)]), [policy("platform", { sources })])).toMatchObject({ allowed: true });
    const big = judgeTrust(model([signed(v)]), [policy("platform", { maxArtifactBytes: 1000 })]);
    expect(big.enforced && !big.allowed && big.message).toContain(
      "spec.variants[0].artifact.sizeBytes 12345678 is more than the policy's maxArtifactBytes 1000",
    );
  });

  it("takes the keys of every policy the model satisfies, and none of one it does not", () => {
    const strict = policy("strict", { keys: [{ name: "s", publicKey: pem("S"), namespaces: ["vision"] }], maxArtifactBytes: 1 });
    const loose = policy("loose", { keys: [{ name: "l", publicKey: pem("L"), namespaces: ["vision"] }] });
    expect(judgeTrust(model(), [strict, loose])).toEqual({
      enforced: true,
      allowed: true,
      keys: [pem("L")],
      scopedOnly: true,
      policies: ["loose"],
    });
  });

  it("accepts unscoped signatures only when a policy the model satisfies allows them", () => {
    const legacy = policy("legacy", { allowUnscopedSignatures: true });
    expect(judgeTrust(model(), [legacy])).toMatchObject({ scopedOnly: false });
    const refusing = policy("legacy", { allowUnscopedSignatures: true, maxArtifactBytes: 1 });
    expect(judgeTrust(model(), [refusing, policy("platform")])).toMatchObject({ scopedOnly: true, policies: ["platform"] });
  });

  it("gives devices the strictest size bound of the policies the model satisfies, naming its policy", () => {
    const keys = [{ name: "k", publicKey: pem("A"), namespaces: ["vision"] }];
    const verdict = judgeTrust(model(), [
      policy("wide", { keys, maxArtifactBytes: 50_000_000 }),
      policy("narrow", { keys, maxArtifactBytes: 20_000_000 }),
      policy("unbounded", { keys }),
    ]);
    expect(verdict).toMatchObject({ allowed: true, maxArtifactBytes: { bytes: 20_000_000, policy: "narrow" } });
    expect(judgeTrust(model(), [policy("unbounded")])).not.toHaveProperty("maxArtifactBytes");
  });

  it("refuses a version below a minimum whose models match, naming the policy and the field", () => {
    const old = { ...model(), spec: { ...model().spec, version: "1.4.2" } };
    const minimumVersions = [
      { models: ["classifier"], version: "9.0" },
      { models: ["det*"], version: "1.10" },
    ];
    const verdict = judgeTrust(old, [policy("platform", { minimumVersions })]);
    expect(verdict.enforced && !verdict.allowed && verdict.message).toBe(
      'ModelTrustPolicy "platform" refuses it: spec.version "1.4.2" is below the policy\'s spec.minimumVersions[1].version "1.10" (a known-bad build): publish a newer version',
    );
    const current = { ...old, spec: { ...old.spec, version: "1.10.0" } };
    expect(judgeTrust(current, [policy("platform", { minimumVersions })])).toMatchObject({ allowed: true });
    const named = { ...old, spec: { ...old.spec, version: "1.10-rc1" } };
    const unordered = judgeTrust(named, [policy("platform", { minimumVersions })]);
    expect(unordered.enforced && !unordered.allowed && unordered.message).toContain(
      'spec.version "1.10-rc1" is not a dotted numeric version, so it cannot be checked against the policy\'s spec.minimumVersions[1].version "1.10"',
    );
  });
});
