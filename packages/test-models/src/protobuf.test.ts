import { describe, expect, it } from "vitest";
import { ProtoWriter } from "./protobuf.js";

describe("ProtoWriter", () => {
  it("writes varints as the protobuf spec's own examples", () => {
    expect([...new ProtoWriter().varint(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().varint(2, 300).finish()]).toEqual([0x10, 0xac, 0x02]);
    expect([...new ProtoWriter().varint(1, 2 ** 35).finish()]).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it("length-prefixes strings and embedded messages", () => {
    expect([...new ProtoWriter().string(2, "testing").finish()]).toEqual([0x12, 0x07, ...Buffer.from("testing")]);
    expect([...new ProtoWriter().message(3, (w) => w.varint(1, 150)).finish()]).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
  });

  it("refuses what a varint cannot hold", () => {
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(/non-negative safe integer, got -1/);
  });
});
