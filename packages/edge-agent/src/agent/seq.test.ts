import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { Spool } from "../spool/spool.js";
import { SeqCounter } from "./seq.js";

const tempDir = useTempDirs("seq");
const options = (dir: string) => ({ dir, segmentBytes: 1000, maxBytes: 10_000 });

describe("SeqCounter", () => {
  it("continues after the spool's newest record when the process died without persisting", () => {
    const dir = tempDir();
    const spool = Spool.open(options(dir));
    const seq = SeqCounter.open(dir, spool);
    for (let i = 0; i < 25; i++) spool.append("t", Buffer.alloc(70), seq.take());
    spool.close();
    const reopened = Spool.open(options(dir));
    expect(SeqCounter.open(dir, reopened).next).toBe(25);
  });

  it("continues from its file when the spool was emptied by acks and restarts", () => {
    const dir = tempDir();
    const spool = Spool.open(options(dir));
    const seq = SeqCounter.open(dir, spool);
    for (let i = 0; i < 40; i++) spool.append("t", Buffer.alloc(70), seq.take());
    spool.ack(39);
    spool.close();
    // Each restart trims acknowledged segments; after enough of them the spool holds no record.
    for (let restart = 0; restart < 3; restart++) {
      const again = Spool.open(options(dir));
      expect(SeqCounter.open(dir, again).next).toBe(40);
      again.close();
    }
  });
});
