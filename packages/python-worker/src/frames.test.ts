import { describe, expect, it } from "vitest";
import { encodeFrame, FrameReader } from "./frames.js";

describe("worker frames", () => {
  it("round-trips header and payloads, however the stream is cut", () => {
    const bytes = Buffer.concat([
      encodeFrame({ inputs: [{ name: "input" }] }, [new Uint8Array([1, 2]), Buffer.from(new Float32Array([0.5]).buffer)]),
      encodeFrame({ error: "boom" }),
    ]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames).toEqual([
      { header: { inputs: [{ name: "input" }] }, payload: Buffer.from([1, 2, 0, 0, 0, 0x3f]) },
      { header: { error: "boom" }, payload: Buffer.alloc(0) },
    ]);
    expect(new FrameReader().push(bytes)).toEqual(frames);
  });
});
