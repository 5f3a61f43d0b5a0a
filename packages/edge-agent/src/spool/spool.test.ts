import { readdirSync } from "node:fs";
import { FakeClock, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it, vi } from "vitest";
import { Spool } from "./spool.js";

const tempDir = useTempDirs("spool");
const TOPIC = "edgefleet/v1/plant-3/orin-07/telemetry";
const payload = (seq: number) => Buffer.from(JSON.stringify({ schemaVersion: 1, seq, samples: [], readErrors: 0 }));
const seqs = (spool: Spool) => spool.peek(Number.MAX_SAFE_INTEGER).map((r) => r.seq);

/** Records of exactly 100 bytes on disk: 8 header + 18 fixed + 1 topic byte + 73 payload bytes. */
const hundredBytes = (spool: Spool, seq: number) => spool.append("t", Buffer.alloc(73, seq % 256), seq);

describe("Spool", () => {
  it("replays messages in order after a restart, payloads intact", () => {
    const dir = tempDir();
    const spool = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
    for (let seq = 0; seq < 100; seq++) expect(spool.append(TOPIC, payload(seq), seq)).toBe(seq);
    spool.close();

    const reopened = Spool.open({ dir, segmentBytes: 4096, maxBytes: 1 << 20 });
    const records = reopened.peek(1000);
    expect(records.map((r) => r.id)).toEqual([...Array(100).keys()]);
    expect(records.every((r) => r.topic === TOPIC && Buffer.from(r.payload).equals(payload(r.seq)))).toBe(true);
    expect(reopened.append(TOPIC, payload(100), 100)).toBe(100);
    expect(reopened.stats()).toMatchObject({ pending: 101, recovered: { tornRecords: 0 } });
    reopened.close();
  });

  it("removes only acknowledged messages and replays the rest after a crash", () => {
    const dir = tempDir();
    const spool = Spool.open({ dir, segmentBytes: 1000, maxBytes: 1 << 20 });
    for (let seq = 0; seq < 50; seq++) hundredBytes(spool, seq);
    expect(readdirSync(dir).filter((f) => f.endsWith(".seg"))).toHaveLength(5);

    const batch = spool.peek(25);
    expect(batch.map((r) => r.seq)).toEqual([...Array(25).keys()]);
    spool.ack(batch[24]?.id ?? -1);
    expect(spool.peek(2).map((r) => r.seq)).toEqual([25, 26]);
    // Segments [0-9] and [10-19] are acked past and deleted; [20-29] still holds 25..29.
    expect(readdirSync(dir).filter((f) => f.endsWith(".seg"))).toHaveLength(3);
    expect(spool.stats()).toMatchObject({ pending: 25, bytes: 3000 });

    // No close: the process dies with the spool open.
    const reopened = Spool.open({ dir, segmentBytes: 1000, maxBytes: 1 << 20 });
    expect(seqs(reopened)).toEqual([...Array(25).keys()].map((i) => i + 25));
    reopened.ack(1_000_000);
    expect(reopened.stats().pending).toBe(0);
    expect(reopened.peek(10)).toEqual([]);
    reopened.close();
    spool.close();
  });

  it("stays within maxBytes by dropping the oldest unacknowledged messages, counted exactly", () => {
    const dir = tempDir();
    const options = { dir, segmentBytes: 1024, maxBytes: 4096 };
    const spool = Spool.open(options);
    for (let seq = 0; seq < 35; seq++) hundredBytes(spool, seq + 1000);
    spool.ack(32);
    for (let seq = 35; seq < 100; seq++) {
      hundredBytes(spool, seq + 1000);
      expect(spool.stats().bytes).toBeLessThanOrEqual(4096);
    }
    // Segment [30-39] went with 33..39 unacked, then [40-49] and [50-59] whole: 27 messages.
    expect(spool.stats().dropped).toEqual({ messages: 27, last: { fromId: 50, toId: 59, fromSeq: 1050, toSeq: 1059 } });
    expect(seqs(spool)).toEqual([...Array(40).keys()].map((i) => i + 1060));
    expect(spool.stats()).toMatchObject({ pending: 40, bytes: 4000 });
    spool.close();
    expect(seqs(Spool.open(options))).toHaveLength(40);
  });

  it("keeps the drop count across restarts, as telemetry reports it cumulatively", () => {
    const dir = tempDir();
    const options = { dir, segmentBytes: 1024, maxBytes: 4096 };
    const spool = Spool.open(options);
    for (let seq = 0; seq < 50; seq++) hundredBytes(spool, seq);
    const dropped = spool.stats().dropped.messages;
    expect(dropped).toBeGreaterThan(0);
    spool.close();
    const reopened = Spool.open(options);
    expect(reopened.stats().dropped.messages).toBe(dropped);
    for (let seq = 50; seq < 60; seq++) hundredBytes(reopened, seq);
    expect(reopened.stats().dropped.messages).toBe(dropped + 10);
    reopened.close();
    expect(Spool.open(options).stats().dropped.messages).toBe(dropped + 10);
  });

  it("peeks past messages in flight and reports the newest seq, acknowledged or not", () => {
    const dir = tempDir();
    const spool = Spool.open({ dir, segmentBytes: 1000, maxBytes: 1 << 20 });
    expect(spool.lastSeq()).toBeUndefined();
    for (let seq = 0; seq < 30; seq++) hundredBytes(spool, seq + 500);
    expect(spool.peek(3, 11).map((r) => r.id)).toEqual([12, 13, 14]);
    spool.ack(20);
    // An afterId behind the ack point reads from the ack point.
    expect(spool.peek(2, 5).map((r) => r.id)).toEqual([21, 22]);
    spool.ack(29);
    expect(spool.peek(5, 29)).toEqual([]);
    expect(spool.lastSeq()).toBe(529);
    spool.close();
    expect(Spool.open({ dir, segmentBytes: 1000, maxBytes: 1 << 20 }).lastSeq()).toBe(529);
  });

  it("counts messages it cannot store instead of throwing", () => {
    const spool = Spool.open({ dir: tempDir(), segmentBytes: 1024, maxBytes: 4096 });
    expect(spool.append(TOPIC, Buffer.alloc(2000), 0)).toBeUndefined();
    expect(spool.append(TOPIC, payload(1), -1)).toBeUndefined();
    expect(spool.append(TOPIC, payload(2), 2)).toBe(0);
    expect(spool.stats().rejected).toEqual({ messages: 2, lastError: expect.stringMatching(/seq must be a non-negative integer/) });
    spool.close();
    expect(spool.append(TOPIC, payload(3), 3)).toBeUndefined();
    expect(spool.stats().rejected.lastError).toMatch(/is closed/);
  });

  it("syncs by record count, by elapsed time on the injected clock, and by timer", () => {
    const clock = new FakeClock();
    const spool = Spool.open({ dir: tempDir(), sync: { everyRecords: 3, everyMs: 100 }, clock });
    // Due with the spool's timer for record 6 but set before it, so it runs first: that timer is
    // late, as on a busy event loop, and the append finds the time elapsed.
    clock.setTimer(() => spool.append(TOPIC, payload(7), 7), 100);
    const armed = vi.spyOn(clock, "setTimer");
    for (let seq = 0; seq < 7; seq++) spool.append(TOPIC, payload(seq), seq);
    expect(spool.stats().syncs).toBe(2);
    clock.advance(100);
    expect(spool.stats().syncs).toBe(3);
    spool.append(TOPIC, payload(8), 8);
    // Armed after records 0, 3, 6 and 8: each sync since disarmed the one before.
    expect(armed).toHaveBeenCalledTimes(4);
    clock.advance(100);
    expect(spool.stats().syncs).toBe(4);
    spool.close();
  });

  it("syncs once per appendBatch under the default policy", () => {
    const spool = Spool.open({ dir: tempDir() });
    spool.appendBatch([0, 1, 2, 3].map((seq) => ({ topic: TOPIC, payload: payload(seq), seq })));
    spool.append(TOPIC, payload(4), 4);
    expect(spool.stats()).toMatchObject({ syncs: 2, pending: 5 });
    spool.close();
  });

  it.each([
    [{ maxBytes: 0 }, /option maxBytes must be a positive integer/],
    [{ maxBytes: 4096, segmentBytes: 4000 }, /option segmentBytes \(4000\) must be at most half of maxBytes \(4096\)/],
    [{ segmentBytes: 1.5 }, /option segmentBytes must be a positive integer/],
    [{ sync: {} }, /option sync needs everyRecords or everyMs/],
    [{ sync: { everyRecords: -2 } }, /option sync.everyRecords must be a positive integer/],
    [{ sync: { everyMs: Number.NaN } }, /option sync.everyMs must be a positive integer/],
  ])("rejects bad options %o naming the option", (bad, message) => {
    expect(() => Spool.open({ dir: tempDir(), ...bad })).toThrow(message);
  });

  it("rejects an empty dir", () => {
    expect(() => Spool.open({ dir: "" })).toThrow(/option dir must be a non-empty path/);
  });
});
