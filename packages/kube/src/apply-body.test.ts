import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyBody } from "./apply-body.js";

describe("applyBody", () => {
  const refused = String.fromCharCode(0x7f, 0x85, 0x9f, 0x2028, 0x2029, 0xfeff, 0xfffe, 0xffff);
  const asJson = (body: unknown) => JSON.parse(JSON.stringify(body));

  it("reads back, as YAML 1.1 and 1.2, as the body it was given, with no character YAML refuses raw", () => {
    const body = {
      metadata: { annotations: { note: `a${refused}b`, plain: "yes", on: "1.0", [refused]: "é 日本 🚀\n\t\u0007", "": "" } },
      spec: { n: 1.5, big: 1e21, neg: -3, t: true, f: false, none: null, gone: undefined },
    };
    const text = applyBody(body);
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/);
    expect(parse(text, { version: "1.1" })).toEqual(asJson(body));
    expect(parse(text, { version: "1.2" })).toEqual(asJson(body));
  });

  it("writes block style: lists of objects, lists of lists, empty objects and lists", () => {
    const body = {
      spec: {
        containers: [
          { name: "runtime", args: ["--a", "-b"], env: [{ name: "X", value: "- not a list" }], ports: [] },
          { name: "two", resources: {}, securityContext: { capabilities: { drop: ["ALL"] } } },
        ],
        matrix: [[1, 2], [], [[3]], [{ a: 1 }]],
        sparse: [null, "x", undefined],
        hole: { only: undefined },
      },
    };
    const text = applyBody(body);
    expect(text).not.toMatch(/^\s*\{\s*"/m);
    expect(text).toContain('  "containers":\n    - "name": "runtime"\n      "args":\n        - "--a"');
    expect(parse(text, { version: "1.1" })).toEqual(asJson(body));
  });

  it("writes a scalar or an empty body as JSON does", () => {
    expect(applyBody({})).toBe("{}");
    expect(parse(applyBody([]))).toEqual([]);
    expect(parse(applyBody("x"))).toBe("x");
  });
});
