import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { PartialFile } from "./partial-file.js";

const tempDir = useTempDirs("partial-file");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("PartialFile", () => {
  it("hashes what an earlier run left before appending, so a resumed download has the whole digest", () => {
    const path = join(tempDir(), "x.partial");
    const body = Buffer.from("0123456789abcdef".repeat(100_000));
    const first = PartialFile.open(path);
    first.write(body.subarray(0, 700_001));
    first.close();

    const resumed = PartialFile.open(path);
    expect(resumed.offset).toBe(700_001);
    resumed.write(body.subarray(700_001));
    expect(resumed.digest()).toBe(sha256(body));
    resumed.close();
    expect(readFileSync(path).equals(body)).toBe(true);
  });

  it("starts over on reset", () => {
    const path = join(tempDir(), "y.partial");
    const file = PartialFile.open(path);
    file.write(Buffer.from("stale"));
    file.reset();
    file.write(Buffer.from("fresh"));
    expect([file.offset, file.digest()]).toEqual([5, sha256(Buffer.from("fresh"))]);
    file.close();
    expect(readFileSync(path, "utf8")).toBe("fresh");
  });
});
