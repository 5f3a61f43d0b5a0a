import { useTempDirs } from "@edgefleet/kit";
import { afterEach, describe, expect, it } from "vitest";
import { type BrokerContext, type Mosquitto, startMosquitto } from "../helpers/mosquitto.js";
import { AgentProcess } from "./agent-process.js";
import { seqReport, TestSubscriber } from "./subscriber.js";

const tempDir = useTempDirs("agent-outage");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Persistence on, so the subscriber's session and its queue survive the broker's own restart. */
const persistentConfig = ({ port, dir }: BrokerContext) =>
  `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\n`;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(): Promise<{ broker: Mosquitto; sub: TestSubscriber; spoolDir: string }> {
  const broker = await startMosquitto({ config: persistentConfig });
  cleanup.push(() => broker.dispose());
  const sub = await TestSubscriber.connect(broker.url);
  cleanup.push(() => sub.close());
  return { broker, sub, spoolDir: tempDir() };
}

function startAgent(broker: Mosquitto, spoolDir: string, extra: string[] = []): AgentProcess {
  const agent = new AgentProcess({
    brokerUrl: broker.url,
    spoolDir,
    extra: ["--interval", "100ms", "--reconnect-min-delay", "100ms", "--reconnect-max-delay", "1s", ...extra],
  });
  cleanup.push(() => agent.kill());
  return agent;
}

describe("edge agent store-and-forward through a broker outage", () => {
  it("loses no QoS 1 telemetry when the broker is down and the agent is SIGKILLed meanwhile", async () => {
    const { broker, sub, spoolDir } = await setup();
    const first = startAgent(broker, spoolDir);
    await sub.waitFor("ten telemetry messages", () => sub.telemetry.length >= 10);

    const outageStart = Date.now();
    await broker.stop();
    await sleep(2_000);
    await first.kill();
    const killedAt = Date.now();
    const second = startAgent(broker, spoolDir);
    await second.waitForLog("spool open");
    await sleep(2_000);
    await broker.start();
    const outageEnd = Date.now();

    // Order is kept, so once a message measured after the outage arrives, everything before it has.
    await sub.waitFor("live telemetry after the outage", () => sub.telemetry.some((m) => m.payload.timestamp > outageEnd + 1_000), 30_000);
    const report = seqReport(sub.seqs());
    const during = (from: number, to: number) => sub.telemetry.filter((m) => m.payload.timestamp > from && m.payload.timestamp < to).length;
    const spooledByFirst = during(outageStart, killedAt);
    const spooledBySecond = during(killedAt, outageEnd);
    const reopened = second.logs.find((l) => l.msg === "spool open");
    console.log(
      `outage: ${JSON.stringify({ ...report, missing: report.missing.length, spooledByFirst, spooledBySecond, recoveredPending: reopened?.pending, nextSeqAfterRestart: reopened?.nextSeq })}`,
    );
    expect(report.first).toBe(0);
    expect(report.missing).toEqual([]);
    expect(spooledByFirst).toBeGreaterThanOrEqual(10);
    expect(spooledBySecond).toBeGreaterThanOrEqual(10);
    // The second process continued the first one's sequence rather than starting over.
    expect(Number(reopened?.nextSeq)).toBeGreaterThan(10);
    expect(sub.telemetry.every((m) => m.payload.spool.droppedMessages === 0)).toBe(true);
    // Order on the wire: each new seq arrives after all smaller ones (repeats are redeliveries).
    let highest = -1;
    for (const seq of sub.seqs()) {
      expect(seq).toBeLessThanOrEqual(highest + 1);
      highest = Math.max(highest, seq);
    }
  });

  it("drops the oldest messages past the spool bound, counts them, and reports the count as the seq gap", async () => {
    const { broker, sub, spoolDir } = await setup();
    const agent = startAgent(broker, spoolDir, ["--spool-max-bytes", "16384"]);
    await sub.waitFor("five telemetry messages", () => sub.telemetry.length >= 5);
    await broker.stop();
    // ~600-byte messages in 2 KiB segments: 40 messages overflow a 16 KiB spool.
    await sleep(4_000);
    await broker.start();
    const outageEnd = Date.now();
    await sub.waitFor("live telemetry after the outage", () => sub.telemetry.some((m) => m.payload.timestamp > outageEnd + 1_000), 30_000);

    const report = seqReport(sub.seqs());
    const last = sub.telemetry.at(-1)?.payload;
    const dropped = last?.spool.droppedMessages ?? 0;
    console.log(`overflow: ${JSON.stringify({ ...report, missing: report.missing.length, droppedReported: dropped })}`);
    expect(dropped).toBeGreaterThan(0);
    // The count is an upper bound on what was lost: a message in flight when the broker went away
    // may have reached the subscriber's session without its PUBACK reaching the agent, and is then
    // counted when its spool segment goes. At most one window of publishes (Mosquitto's receive
    // maximum, 20) can be such.
    expect(report.missing.length).toBeGreaterThan(0);
    expect(report.missing.length).toBeLessThanOrEqual(dropped);
    expect(dropped - report.missing.length).toBeLessThanOrEqual(20);
    // Whole oldest segments go, so the gap is one run of seqs.
    expect(report.missing.at(-1)).toBe((report.missing[0] ?? 0) + report.missing.length - 1);
    const metrics = (await agent.get("/metrics")).text;
    expect(metrics).toContain(`edgefleet_agent_spool_dropped_messages_total ${dropped}`);
  });
});
