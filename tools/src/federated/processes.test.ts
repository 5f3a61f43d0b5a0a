import { describe, expect, it } from "vitest";
import { marked, RUN_MARKER } from "./processes.js";

describe("marked", () => {
  it("finds the run's exact value among the variables", () => {
    const environ = ["PATH=/bin", `${RUN_MARKER}=abc`, "HOME=/root", ""].join("\0");
    expect(marked(environ, "abc")).toBe(true);
    expect(marked(environ, "ab")).toBe(false);
    expect(marked(`X${RUN_MARKER}=abc\0`, "abc")).toBe(false);
    expect(marked("", "abc")).toBe(false);
  });
});
