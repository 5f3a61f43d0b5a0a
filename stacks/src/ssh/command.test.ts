import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HOST_KEY } from "../testing/pins.js";
import { provider } from "./command.js";

const connection = { host: "10.0.0.1", port: 22, user: "edgefleet", privateKey: "key-1", hostKey: HOST_KEY };
const inputs = { connection, create: "install -m 600 /dev/stdin /etc/x", stdin: "token-1", triggers: ["v1"] };
// What the engine keeps as the outputs of those inputs: stdin only as its digest.
const { stdin: _, ...rest } = inputs;
const olds = { ...rest, stdinSha256: createHash("sha256").update("token-1").digest("hex"), stdout: "done" };

describe("the SSH command provider", () => {
  it("sees a changed command, stdin or trigger, and replaces a step whose host changed", async () => {
    expect(await provider.diff?.("id", olds, inputs)).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff?.("id", olds, { ...inputs, stdin: "token-2" })).toEqual({ changes: true, replaces: [] });
    expect(await provider.diff?.("id", olds, { ...inputs, triggers: ["v2"] })).toEqual({ changes: true, replaces: [] });
    const moved = { ...inputs, connection: { ...connection, host: "10.0.0.2" } };
    expect(await provider.diff?.("id", olds, moved)).toEqual({ changes: true, replaces: ["connection.host"] });
  });

  it("records a new SSH key without running the step again, and never keeps stdin in the outputs", async () => {
    const rekeyed = { ...inputs, connection: { ...connection, privateKey: "key-2" } };
    expect(await provider.diff?.("id", olds, rekeyed)).toEqual({ changes: true, replaces: [] });
    // Nothing listens at 10.0.0.1: an update that connected would fail.
    const { outs } = (await provider.update?.("id", olds, rekeyed)) ?? {};
    expect(outs).toEqual({ ...olds, connection: rekeyed.connection });
    expect(JSON.stringify(outs)).not.toContain("token-1");
  });
});
