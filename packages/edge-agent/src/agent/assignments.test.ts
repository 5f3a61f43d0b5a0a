import { silentLogger } from "@edgefleet/kit";
import { MAX_ASSIGNMENTS_BYTES } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import type { InferenceTarget } from "../inference/target.js";
import { assignmentsHandler } from "./assignments.js";

const runtime = {
  namespace: "vision",
  model: "detector",
  version: "2.0",
  variant: "onnx-fp32",
  runtime: "onnx",
  baseUrl: "http://10.42.0.7:8080",
  runtimeMetrics: true,
};

describe("assignmentsHandler", () => {
  it("replaces the targets with each valid message, clears them with an empty one, and keeps them through a bad one, counted", () => {
    const seen: InferenceTarget[][] = [];
    const rejected: string[] = [];
    const handle = assignmentsHandler({ log: silentLogger, update: (t) => seen.push(t), rejected: (r) => rejected.push(r) });
    handle(Buffer.from(JSON.stringify({ schemaVersion: 1, runtimes: [runtime] })));
    handle(Buffer.from("not json"));
    handle(Buffer.alloc(MAX_ASSIGNMENTS_BYTES + 1, 0x20));
    handle(Buffer.from(JSON.stringify({ schemaVersion: 1, runtimes: [{ ...runtime, extra: 1 }] })));
    handle(new Uint8Array());
    expect(seen).toEqual([[runtime], []]);
    expect(rejected).toEqual(["malformed-json", "oversized", "invalid-payload"]);
  });
});
