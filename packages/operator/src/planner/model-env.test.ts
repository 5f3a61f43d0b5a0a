import { variant } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { modelEnv } from "./model-env.js";

const v = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
const signedVariant = {
  ...v,
  artifact: { ...v.artifact, signature: { uri: "https://models.example/x.sig", publicKeyRef: { name: "keys", key: "key.pem" } } },
};
const env = (keys?: string[], scopedOnly = false) =>
  modelEnv({ model: "vision/detector", version: "1", variant: signedVariant, accelerator: "cpu", trust: keys && { keys, scopedOnly } });

describe("modelEnv", () => {
  it("verifies with the tenant's Secret when no trust policy applies", () => {
    expect(env().find((e) => e.name.startsWith("EDGEFLEET_SIGNATURE_PUBLIC"))).toEqual({
      name: "EDGEFLEET_SIGNATURE_PUBLIC_KEY",
      valueFrom: { secretKeyRef: { name: "keys", key: "key.pem" } },
    });
  });

  it("puts the policy's keys, all of them, in place of the Secret when one applies", () => {
    const keys = ["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nB\n-----END PUBLIC KEY-----\n"];
    const found = env(keys).filter((e) => e.name.startsWith("EDGEFLEET_SIGNATURE_PUBLIC"));
    expect(found).toEqual([{ name: "EDGEFLEET_SIGNATURE_PUBLIC_KEYS", value: `${keys[0]}\n${keys[1]}` }]);
    expect(env(keys).map((e) => e.name)).not.toContain("EDGEFLEET_SIGNATURE_SCOPED_ONLY");
  });

  it("tells the install to accept only scoped statements when the policies do", () => {
    expect(env(["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"], true).at(-1)).toEqual({
      name: "EDGEFLEET_SIGNATURE_SCOPED_ONLY",
      value: "true",
    });
  });

  it("passes a policy's size bound, and the policy, to the install", () => {
    const trust = {
      keys: ["-----BEGIN PUBLIC KEY-----\nA\n-----END PUBLIC KEY-----"],
      scopedOnly: true,
      maxArtifactBytes: { bytes: 1000, policy: "platform" },
    };
    const found = modelEnv({ model: "vision/detector", version: "1", variant: signedVariant, accelerator: "cpu", trust });
    expect(found.filter((e) => e.name.startsWith("EDGEFLEET_MAX_ARTIFACT_BYTES"))).toEqual([
      { name: "EDGEFLEET_MAX_ARTIFACT_BYTES", value: "1000" },
      { name: "EDGEFLEET_MAX_ARTIFACT_BYTES_POLICY", value: "platform" },
    ]);
  });

  it("names the variant's evaluation data for the node's agent to score it on, only with its sha256", () => {
    const evaluation = { dataset: "e.npz", sha256: "e".repeat(64), samples: 540, uri: "oci://registry.example/digits:2.0-evaluation" };
    const scored = { ...v, profile: { accuracy: { percent: 97, evaluation } } };
    const found = (variant: typeof v) =>
      modelEnv({ model: "vision/detector", version: "1", variant, accelerator: "cpu" }).filter((e) =>
        e.name.startsWith("EDGEFLEET_EVALUATION"),
      );
    expect(found(scored)).toEqual([
      { name: "EDGEFLEET_EVALUATION_URI", value: evaluation.uri },
      { name: "EDGEFLEET_EVALUATION_SHA256", value: evaluation.sha256 },
      { name: "EDGEFLEET_EVALUATION_SAMPLES", value: "540" },
    ]);
    const { uri: _, ...unfetchable } = evaluation;
    expect(found({ ...v, profile: { accuracy: { percent: 97, evaluation: unfetchable } } })).toEqual([]);
  });
});
