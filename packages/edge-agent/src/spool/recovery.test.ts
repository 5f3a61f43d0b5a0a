import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { Spool } from "./spool.js";

const tempDir = useTempDirs("spool-recovery");
const TOPIC = "edgefleet/v1/plant-3/orin-07/telemetry";

/** Five 300-byte messages in one segment; returns that segment's path. */
function spoolOfFive(dir: string): string {
  const spool = Spool.open({ dir });
  for (let seq = 0; seq < 5; seq++) spool.append(TOPIC, Buffer.alloc(300, seq), seq);
  spool.close();
  const [segment] = readdirSync(dir).filter((f) => f.endsWith(".seg"));
  return join(dir, segment ?? "");
}

function expectRecoveredFour(dir: string, reason: string): void {
  const spool = Spool.open({ dir });
  expect(spool.peek(10).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
  expect(spool.stats().recovered).toMatchObject({ tornRecords: 1, truncations: [{ reason }] });
  // Appends continue after the last good record, and the next open finds nothing torn.
  expect(spool.append(TOPIC, Buffer.alloc(300, 9), 9)).toBe(4);
  spool.close();
  const again = Spool.open({ dir });
  expect(again.peek(10).map((r) => r.seq)).toEqual([0, 1, 2, 3, 9]);
  expect(again.stats().recovered.tornRecords).toBe(0);
  again.close();
}

describe("Spool recovery", () => {
  it("truncates a record cut off mid-write", () => {
    const dir = tempDir();
    const segment = spoolOfFive(dir);
    const size = statSync(segment).size;
    truncateSync(segment, size - 100);
    expectRecoveredFour(dir, "partial");
    expect(Spool.open({ dir }).stats().bytes).toBe(statSync(segment).size);
  });

  it("truncates a last record whose CRC does not match", () => {
    const dir = tempDir();
    const segment = spoolOfFive(dir);
    const data = readFileSync(segment);
    data[data.length - 7] = (data[data.length - 7] ?? 0) ^ 0x40;
    writeFileSync(segment, data);
    expectRecoveredFour(dir, "crc");
  });

  it("truncates a header cut off mid-write and counts the bytes", () => {
    const dir = tempDir();
    const segment = spoolOfFive(dir);
    const size = statSync(segment).size;
    const record = size / 5;
    truncateSync(segment, size - record + 3);
    const spool = Spool.open({ dir });
    expect(spool.stats().recovered).toEqual({ tornRecords: 1, truncatedBytes: 3, truncations: [{ reason: "partial", bytes: 3 }] });
    spool.close();
  });

  it("refuses an ack file it cannot read", () => {
    const dir = tempDir();
    spoolOfFive(dir);
    writeFileSync(join(dir, "ack"), "garbage");
    expect(() => Spool.open({ dir })).toThrow(/ack file .* holds "garbage", not a record id/);
  });
});
