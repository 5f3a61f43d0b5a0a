import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateMessage } from "./validate.js";

const doc = readFileSync(new URL("../../../docs/telemetry.md", import.meta.url), "utf8");

describe("docs/telemetry.md", () => {
  it("shows an example payload that validates on the topic it names", () => {
    const topic = /^Topic `([^`]+)`/m.exec(doc)?.[1] ?? "";
    const body = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    expect(validateMessage(topic, body)).toMatchObject({ ok: true, topic: { site: "plant-3", node: "orin-07", kind: "telemetry" } });
  });
});
