import { describe, expect, it } from "vitest";
import { type AssignedRuntime, assignmentsNode, assignmentsTopic, MAX_ASSIGNMENTS_BYTES, parseAssignments } from "./assignments.js";
import { parseTopic } from "./topic.js";

const runtime: AssignedRuntime = {
  namespace: "vision",
  model: "detector",
  version: "2.0",
  variant: "onnx-fp32",
  runtime: "onnx",
  baseUrl: "http://10.42.0.7:8080",
  runtimeMetrics: true,
};
const encode = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("assignments topic", () => {
  it("is a node's own six-segment topic, never one the gateway's edgefleet/v1/+/+/+ matches", () => {
    const topic = assignmentsTopic("plant-3", "orin-1");
    expect(topic).toBe("edgefleet/v1/control/assignments/plant-3/orin-1");
    expect(parseTopic(topic).ok).toBe(false);
    expect(assignmentsNode("plant-3", topic)).toBe("orin-1");
    expect(assignmentsNode("plant-4", topic)).toBeUndefined();
    expect(assignmentsNode("plant-3", `${topic}/x`)).toBeUndefined();
    expect(() => assignmentsTopic("plant-3", "+")).toThrow(/node "\+"/);
  });
});

describe("parseAssignments", () => {
  it("accepts the operator's payload, and an empty message as no runtimes", () => {
    expect(parseAssignments(encode({ schemaVersion: 1, runtimes: [runtime] }))).toEqual({
      ok: true,
      payload: { schemaVersion: 1, runtimes: [runtime] },
    });
    expect(parseAssignments(new Uint8Array())).toEqual({ ok: true, payload: { schemaVersion: 1, runtimes: [] } });
  });

  it("refuses, with the field named, what is oversized, not JSON, or off the schema", () => {
    expect(parseAssignments(Buffer.alloc(MAX_ASSIGNMENTS_BYTES + 1, 0x20))).toMatchObject({ ok: false, code: "oversized" });
    expect(parseAssignments(Buffer.from("{"))).toMatchObject({ ok: false, code: "malformed-json" });
    expect(parseAssignments(encode({ schemaVersion: 2, runtimes: [] }))).toMatchObject({ ok: false, code: "invalid-payload" });
    const elsewhere = parseAssignments(encode({ schemaVersion: 1, runtimes: [{ ...runtime, baseUrl: "http://evil.example/x" }] }));
    expect(elsewhere).toMatchObject({ ok: false, code: "invalid-payload", reason: expect.stringContaining("/runtimes/0/baseUrl") });
    const many = Array.from({ length: 65 }, () => runtime);
    expect(parseAssignments(encode({ schemaVersion: 1, runtimes: many }))).toMatchObject({ ok: false, code: "invalid-payload" });
  });

  it("carries a runtime's evaluation data, at most 64 runtimes of it with long URIs in one message, and refuses one devices cannot fetch", () => {
    const evaluation = { uri: `oci://registry.example.com/models/digits@sha256:${"d".repeat(64)}`, sha256: "e".repeat(64), samples: 540 };
    const scored = { ...runtime, evaluation };
    expect(parseAssignments(encode({ schemaVersion: 1, runtimes: [scored] }))).toMatchObject({ ok: true, payload: { runtimes: [scored] } });
    const long = { ...scored, evaluation: { ...evaluation, uri: `https://data.example.com/${"x".repeat(400)}.npz` } };
    const full = encode({ schemaVersion: 1, runtimes: Array.from({ length: 64 }, () => long) });
    expect(full.byteLength).toBeLessThan(MAX_ASSIGNMENTS_BYTES);
    expect(parseAssignments(full).ok).toBe(true);
    const plain = parseAssignments(
      encode({ schemaVersion: 1, runtimes: [{ ...scored, evaluation: { ...evaluation, uri: "http://x/e.npz" } }] }),
    );
    expect(plain).toMatchObject({ ok: false, code: "invalid-payload", reason: expect.stringContaining("/runtimes/0/evaluation/uri") });
  });
});
