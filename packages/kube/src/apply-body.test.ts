import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyBody } from "./apply-body.js";

describe("applyBody", () => {
  it("reads back, as YAML 1.1 and as JSON, as the body it was given, with no character YAML refuses raw", () => {
    const refused = String.fromCharCode(0x7f, 0x85, 0x9f, 0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff);
    const body = { metadata: { annotations: { note: `a${refused}b`, plain: "yes", [refused]: "é 日本 🚀\n\t\u0007" } }, spec: { n: 1.5 } };
    const text = applyBody(body);
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/);
    expect(JSON.parse(text)).toEqual(body);
    expect(parse(text, { version: "1.1" })).toEqual(body);
  });
});
