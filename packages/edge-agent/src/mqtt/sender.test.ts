import { FakeClock, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { Spool } from "../spool/spool.js";
import { ACK_FLUSH_MS, type PublishOutcome, SpoolSender } from "./sender.js";

const tempDir = useTempDirs("sender");

interface Sent {
  seq: number;
  resolve: (outcome: PublishOutcome) => void;
  reject: (err: Error) => void;
}

/** A spool of `count` messages and a sender whose publishes the test settles by hand. */
function setup(count: number) {
  const spool = Spool.open({ dir: tempDir() });
  for (let seq = 0; seq < count; seq++) spool.append("t", Buffer.from(String(seq)), seq);
  const sent: Sent[] = [];
  const clock = new FakeClock();
  const outcomes: PublishOutcome[] = [];
  const failures: unknown[] = [];
  const sender = new SpoolSender({
    spool,
    clock,
    events: { published: (o) => outcomes.push(o), linkFailed: (e) => failures.push(e) },
  });
  const publish = (_topic: string, payload: Uint8Array) =>
    new Promise<PublishOutcome>((resolve, reject) => sent.push({ seq: Number(Buffer.from(payload).toString()), resolve, reject }));
  const settle = async () => {
    await new Promise((r) => setImmediate(r));
    clock.advance(ACK_FLUSH_MS);
  };
  return { spool, sender, sent, publish, settle, outcomes, failures };
}

describe("SpoolSender", () => {
  it("keeps at most `window` publishes in flight and acks the spool only in order", async () => {
    const { spool, sender, sent, publish, settle } = setup(5);
    sender.attach(publish, 3);
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2]);
    sent[2]?.resolve("delivered");
    await settle();
    // Seq 2 is acknowledged but 0 and 1 are not: nothing leaves the spool, nothing new is sent.
    expect(spool.stats().pending).toBe(5);
    expect(sent).toHaveLength(3);
    sent[0]?.resolve("delivered");
    sent[1]?.resolve("delivered");
    await settle();
    expect(spool.stats().pending).toBe(2);
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(sender.idle()).toBe(false);
    sent[3]?.resolve("delivered");
    sent[4]?.resolve("delivered");
    await settle();
    expect(sender.idle()).toBe(true);
    expect(spool.stats().pending).toBe(0);
  });

  it("sends what was in flight again on the next connection, and ignores the old one's answers", async () => {
    const { spool, sender, sent, publish, settle } = setup(4);
    sender.attach(publish, 2);
    sent[0]?.resolve("delivered");
    await settle();
    sender.detach();
    sent[1]?.resolve("delivered");
    sent[2]?.resolve("delivered");
    await settle();
    expect(spool.stats().pending).toBe(3);
    sent.length = 0;
    sender.attach(publish, 8);
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  it("acknowledges refused messages so they do not block the rest, and reports them", async () => {
    const { spool, sender, sent, publish, settle, outcomes } = setup(2);
    sender.attach(publish, 4);
    sent[0]?.resolve("refused");
    sent[1]?.resolve("delivered");
    await settle();
    expect(outcomes).toEqual(["refused", "delivered"]);
    expect(spool.stats().pending).toBe(0);
  });

  it("drops the connection's state when a publish fails without a PUBACK", async () => {
    const { sender, sent, publish, settle, failures } = setup(3);
    sender.attach(publish, 4);
    sent[1]?.reject(new Error("connection closed"));
    await settle();
    expect(failures).toHaveLength(1);
    expect(sender.inFlightCount).toBe(0);
    // Detached: a late answer for the same connection changes nothing.
    sent[0]?.resolve("delivered");
    sender.pump();
    expect(sent).toHaveLength(3);
  });

  it("rejects a window that is not a positive integer", () => {
    const { sender, publish } = setup(0);
    expect(() => sender.attach(publish, 0)).toThrow(/sender window must be a positive integer, got 0/);
  });
});
