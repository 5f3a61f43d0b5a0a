import { FakeClock, jsonLogger } from "@edgefleet/kit";
import type { TelemetryPayload } from "@edgefleet/telemetry";
import { validateMessage } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import { ArtifactRefusal } from "./refusal.js";
import { FailureReporter } from "./reporter.js";

function reporter() {
  const lines: string[] = [];
  return { lines, reporter: new FailureReporter(jsonLogger({ write: (l) => lines.push(l), clock: new FakeClock() })) };
}
const detector = { namespace: "vision", model: "detector", version: "2.0.0" };

describe("FailureReporter", () => {
  it("counts refusals per model version and reason as deltas, and logs each one as JSON", () => {
    const { lines, reporter: r } = reporter();
    r.record(detector, new ArtifactRefusal("digest-mismatch", "sha256 differs"));
    r.record(detector, new ArtifactRefusal("digest-mismatch", "sha256 differs"));
    r.record({ ...detector, version: "1.0.0" }, new ArtifactRefusal("version-mismatch", "old"));
    expect(r.take()).toEqual([
      { ...detector, reason: "digest-mismatch", count: 2 },
      { ...detector, version: "1.0.0", reason: "version-mismatch", count: 1 },
    ]);
    expect(r.take()).toEqual([]);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      ts: "1970-01-01T00:00:00.000Z",
      level: "warn",
      msg: "artifact refused",
      ...detector,
      reason: "digest-mismatch",
      detail: "sha256 differs",
    });
  });

  it("keeps what does not fit in one message for the next, and takes back what could not be sent", () => {
    const { reporter: r } = reporter();
    for (const version of ["1", "2", "3"]) r.record({ ...detector, version }, new ArtifactRefusal("size-mismatch", "short"));
    const first = r.take(2);
    expect(first.map((e) => e.version)).toEqual(["1", "2"]);
    r.restore(first);
    r.record({ ...detector, version: "1" }, new ArtifactRefusal("size-mismatch", "short"));
    expect(r.take().map((e) => [e.version, e.count])).toEqual([
      ["3", 1],
      ["1", 2],
      ["2", 1],
    ]);
  });

  it("produces what the telemetry schema accepts", () => {
    const { reporter: r } = reporter();
    r.record(detector, new ArtifactRefusal("signature-missing", "unsigned"));
    const payload: TelemetryPayload = {
      schemaVersion: 1,
      seq: 1,
      timestamp: 0,
      samples: [],
      inference: [],
      spool: { pendingMessages: 0, bytes: 0, droppedMessages: 0 },
      artifactFailures: r.take(),
      readErrors: 0,
    };
    expect(validateMessage("edgefleet/v1/plant-3/orin-07/telemetry", JSON.stringify(payload))).toMatchObject({ ok: true });
  });
});
