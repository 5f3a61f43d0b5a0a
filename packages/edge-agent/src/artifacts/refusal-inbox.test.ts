import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { silentLogger, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { ArtifactRefusal } from "./refusal.js";
import { REFUSALS_DIR, RefusalInbox, writeRefusal } from "./refusal-inbox.js";

const tempDir = useTempDirs("refusal-inbox");
const detector = { namespace: "vision", model: "detector", version: "2.0.0" };

describe("RefusalInbox", () => {
  it("counts each refusal file once, at most max per take, and keeps the rest for the next", () => {
    const root = tempDir();
    const inbox = new RefusalInbox(root, silentLogger);
    expect(inbox.take(64)).toEqual([]);
    writeRefusal(root, detector, new ArtifactRefusal("digest-mismatch", "tampered"));
    writeRefusal(root, detector, new ArtifactRefusal("digest-mismatch", "tampered"));
    writeRefusal(root, { ...detector, model: "tracker" }, new ArtifactRefusal("size-mismatch", "short"));
    expect(inbox.take(1)).toEqual([{ ...detector, reason: "digest-mismatch", count: 2 }]);
    expect(readdirSync(join(root, REFUSALS_DIR))).toEqual([]);
    writeRefusal(root, detector, new ArtifactRefusal("digest-mismatch", "tampered"));
    expect(inbox.take(64)).toEqual([
      { ...detector, model: "tracker", reason: "size-mismatch", count: 1 },
      { ...detector, reason: "digest-mismatch", count: 1 },
    ]);
  });

  it("deletes and counts files that are not refusal records, and ignores files still being written", () => {
    const root = tempDir();
    const inbox = new RefusalInbox(root, silentLogger);
    writeRefusal(root, detector, new ArtifactRefusal("signature-missing", "unsigned"));
    const dir = join(root, REFUSALS_DIR);
    writeFileSync(join(dir, "1-junk.json"), "{not json");
    writeFileSync(join(dir, "2-junk.json"), JSON.stringify({ ...detector, reason: "bored", detail: "" }));
    writeFileSync(join(dir, "3-half.tmp"), "{");
    expect(inbox.take(64)).toEqual([{ ...detector, reason: "signature-missing", count: 1 }]);
    expect(inbox.malformed).toBe(2);
    expect(readdirSync(dir)).toEqual(["3-half.tmp"]);
  });
});
