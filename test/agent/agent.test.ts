import { spawnSync } from "node:child_process";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../helpers/mosquitto.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { AgentProcess } from "./agent-process.js";
import { seqReport, TestSubscriber } from "./subscriber.js";

const tempDir = useTempDirs("agent-it");
/**
 * How late Mosquitto 2.0.11 acts on an expired keepalive: it files deadlines in whole-second
 * buckets and its main loop may sleep up to 5 s between checks, so a frozen client's will goes out
 * between 1.5 x keepalive and about 1.5 x keepalive + 5 s after its last packet (measured here:
 * +1 to +5.4 s, and the same with mosquitto_sub as the frozen client). Nothing a client can change;
 * a cut connection, the usual way a device dies, gives the will at once (next test).
 */
const MOSQUITTO_KEEPALIVE_LATENESS_MS = 6_000;
let broker: Mosquitto;
const agents: AgentProcess[] = [];
const subscribers: TestSubscriber[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.kill();
  for (const subscriber of subscribers.splice(0)) await subscriber.close();
});

function agent(node: string, extra: string[] = []): AgentProcess {
  const a = new AgentProcess({ brokerUrl: broker.url, spoolDir: tempDir(), node, extra: ["--interval", "200ms", ...extra] });
  agents.push(a);
  return a;
}

async function subscriber(): Promise<TestSubscriber> {
  const s = await TestSubscriber.connect(broker.url);
  subscribers.push(s);
  return s;
}

describe("edge agent against a real Mosquitto", () => {
  it("publishes a retained birth, then telemetry in seq order, and answers a rebirth request", async () => {
    const sub = await subscriber();
    const a = agent("flow-1");
    await sub.waitFor("five telemetry messages", () => sub.telemetry.length >= 5);
    expect(sub.births[0]?.payload.hardware).toMatchObject({ hardwareClass: "orin-agx", sensors: ["simulated"] });
    expect(sub.births[0]?.topic).toBe("edgefleet/v1/plant-3/flow-1/birth");
    const { missing, duplicates, first } = seqReport(sub.seqs());
    expect({ first, missing, duplicates }).toEqual({ first: 0, missing: [], duplicates: 0 });
    expect(sub.telemetry[0]?.payload.samples.map((s) => s.metric)).toContain("rail_power_watts");

    const births = sub.births.length;
    await sub.client.publishAsync("edgefleet/v1/control/rebirth", "", { qos: 1 });
    await sub.waitFor("a second birth", () => sub.births.length > births);

    // A late subscriber gets the retained birth at once.
    const late = await subscriber();
    await late.waitFor("the retained birth", () => late.births.some((b) => b.retained));
    expect((await a.get("/healthz")).status).toBe(200);
  });

  it("publishes death (shutdown) on SIGTERM and exits 0, with no last will after it", async () => {
    const sub = await subscriber();
    const a = agent("clean-1");
    await sub.waitFor("telemetry", () => sub.telemetry.length >= 2);
    a.signal("SIGTERM");
    expect(await a.exited).toBe(0);
    await sub.waitFor("death", () => sub.deaths.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(sub.deaths.map((d) => d.payload.reason)).toEqual(["shutdown"]);
    // The final batch and the drain: every message spooled before the signal was delivered.
    const stopped = a.logs.find((l) => l.msg === "stopped");
    expect(stopped).toMatchObject({ pendingMessages: 0 });
    expect(Math.max(...sub.seqs())).toBe(Number(stopped?.nextSeq) - 1);
  });

  it("lets the broker send the last will (death, connection-lost) once the frozen agent's keepalive expires", async () => {
    const keepalive = 2;
    const sub = await subscriber();
    const a = agent("will-1", ["--keepalive", String(keepalive)]);
    await sub.waitFor("telemetry", () => sub.telemetry.length >= 2);
    const frozenAt = Date.now();
    a.signal("SIGSTOP");
    await sub.waitFor("the last will", () => sub.deaths.length > 0, 10_000);
    const death = sub.deaths[0];
    const elapsed = (death?.at ?? 0) - frozenAt;
    console.log(`will after ${elapsed} ms (keepalive ${keepalive} s)`);
    expect(death?.topic).toBe("edgefleet/v1/plant-3/will-1/death");
    expect(death?.payload.reason).toBe("connection-lost");
    expect(elapsed).toBeGreaterThanOrEqual(1.5 * keepalive * 1000 - 500);
    expect(elapsed).toBeLessThanOrEqual(1.5 * keepalive * 1000 + MOSQUITTO_KEEPALIVE_LATENESS_MS);
  });

  it("lets the broker send the last will at once when the agent's connection is cut", async () => {
    const keepalive = 2;
    const proxy = await TcpProxy.start(broker.port);
    try {
      const sub = await subscriber();
      agent("cut-1", ["--keepalive", String(keepalive), "--broker-url", `mqtt://127.0.0.1:${proxy.port}`]);
      await sub.waitFor("telemetry", () => sub.telemetry.length >= 2);
      const cutAt = Date.now();
      proxy.cut();
      await sub.waitFor("the last will", () => sub.deaths.length > 0, 10_000);
      const elapsed = (sub.deaths[0]?.at ?? 0) - cutAt;
      console.log(`will after a cut connection: ${elapsed} ms (keepalive ${keepalive} s)`);
      expect(sub.deaths[0]?.payload.reason).toBe("connection-lost");
      expect(elapsed).toBeLessThanOrEqual(1.5 * keepalive * 1000);
      // And the agent comes back by itself with a new birth.
      await sub.waitFor("a birth after reconnecting", () => sub.births.some((b) => !b.retained && b.at > cutAt));
    } finally {
      await proxy.close();
    }
  });

  it("serves /metrics that promtool accepts, with the spool and MQTT internals", async () => {
    const sub = await subscriber();
    const a = agent("metrics-1");
    await sub.waitFor("telemetry", () => sub.telemetry.length >= 3);
    const { status, text } = await a.get("/metrics");
    expect(status).toBe(200);
    for (const name of [
      "edgefleet_agent_spool_pending_messages",
      "edgefleet_agent_spool_bytes",
      "edgefleet_agent_spool_dropped_messages_total 0",
      'edgefleet_agent_mqtt_publishes_total{result="delivered"}',
      "edgefleet_agent_mqtt_connected 1",
      "edgefleet_agent_mqtt_reconnects_total 0",
      "edgefleet_agent_loop_duration_seconds_count",
      "process_resident_memory_bytes",
    ])
      expect(text).toContain(name);
    const promtool = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${promtool.stdout}${promtool.stderr}`.trim()).toBe("");
    expect(promtool.status).toBe(0);
  });

  it("answers --help and names a bad flag", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "packages/edge-agent/src/agent/main.ts", ...args], {
        encoding: "utf8",
        cwd: new URL("../..", import.meta.url).pathname,
      });
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--spool-max-bytes");
    const bad = run("--site", "plant-3", "--node", "n1", "--hardware-class", "x", "--interval", "soon");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--interval must be a duration of at least 1ms such as 500ms, 1s or 2m, got "soon"');
    expect(run("--site", "plant-3", "--node", "n1").stderr).toContain("--hardware-class is required");
  });
});
