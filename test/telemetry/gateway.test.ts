import { spawnSync } from "node:child_process";
import { LATENCY_BUCKETS_SECONDS, REBIRTH_TOPIC } from "@edgefleet/telemetry";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, parseExposition, select, seriesValue } from "./exposition.js";
import { type GatewayProcess, retireDevice, startGateway } from "./gateway-process.js";
import { birth, death, json, telemetry, topic } from "./payloads.js";
import { SITE, startTlsBroker, type TlsBroker } from "./tls-broker.js";

/** Real Mosquitto (the shipped TLS config and ACL), the real gateway process, publishers as agents publish. */

let tls: TlsBroker;
beforeAll(async () => {
  tls = await startTlsBroker();
});
afterAll(async () => {
  await tls?.dispose();
});

async function scrape(gateway: GatewayProcess) {
  return parseExposition(await gateway.metrics());
}

/** A publisher with a node's identity: its birth (retained, as agents send it) and what else the test sends. */
async function node(name: string, hardwareClass = "jetson-orin", options = {}): Promise<MqttClient> {
  const client = await tls.connect(name, options);
  await client.publishAsync(topic(name, "birth"), json(birth(hardwareClass)), { qos: 1, retain: true });
  return client;
}

const dev = (name: string) => ({ site: SITE, node: name });

describe("telemetry gateway (real Mosquitto, real gateway process)", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ broker: tls, replica: 0 });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("serves a device's telemetry under the contract's names, labels and values", async () => {
    const orin = await node("orin-01");
    await orin.publishAsync(topic("orin-01", "telemetry"), json(telemetry(1)), { qos: 1 });
    await orin.publishAsync(topic("orin-01", "telemetry"), json(telemetry(2)), { qos: 1 });
    const m = await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-01"))).toBe(40);
      return m;
    });
    const device = { ...dev("orin-01"), hardware_class: "jetson-orin" };
    expect(seriesValue(m, "edgefleet_device_up", device)).toBe(1);
    expect(seriesValue(m, "edgefleet_device_info", { ...device, arch: "arm64", agent_version: "0.1.0" })).toBe(1);
    expect(seriesValue(m, "edgefleet_device_last_seen_timestamp_seconds", device)).toBeCloseTo(Date.now() / 1000, -1);
    expect(
      seriesValue(m, "edgefleet_device_thermal_zone_temperature_celsius", { ...device, zone: "cpu-thermal", id: "thermal_zone0" }),
    ).toBe(48.25);
    expect(seriesValue(m, "edgefleet_device_rail_power_watts", { ...device, rail: "VDD_GPU_SOC" })).toBe(6.39);
    expect(seriesValue(m, "edgefleet_device_rapl_energy_joules_total", { ...device, domain: "package-0" })).toBe(1002);
    expect(seriesValue(m, "edgefleet_device_spool_bytes", device)).toBe(8192);
    expect(seriesValue(m, "edgefleet_device_spool_dropped_messages_total", device)).toBe(0);
    expect(seriesValue(m, "edgefleet_device_sensor_read_errors_total", device)).toBe(0);
    const model = { ...device, namespace: "vision", model: "detector", version: "2026.11.1", variant: "trt-fp16", runtime: "tensorrt" };
    expect(seriesValue(m, "edgefleet_inference_errors_total", model)).toBe(2);
    // Cumulative buckets from the agents' per-bucket deltas [0,0,3,15,1,0...] twice.
    const buckets = select(m, "edgefleet_inference_latency_seconds_bucket", model).map((s) => [s.labels.le, s.value]);
    expect(buckets).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), "+Inf"].map((le, i) => [le, [0, 0, 6, 36, 38][i] ?? 38]));
    expect(seriesValue(m, "edgefleet_inference_latency_seconds_count", model)).toBe(38);
    expect(seriesValue(m, "edgefleet_inference_latency_seconds_sum", model)).toBeCloseTo(0.1748, 6);
    expect(seriesValue(m, "edgefleet_gateway_sequence_gaps_total", dev("orin-01"))).toBe(0);
    expect(seriesValue(m, "edgefleet_gateway_devices", { state: "online" })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(m, "edgefleet_gateway_mqtt_connected")).toBe(1);
  });

  it("counts malformed, truncated, oversized, wrong-schema and wrong-topic messages by reason and keeps serving", async () => {
    const bad = await node("orin-02");
    const good = json(telemetry(1));
    const sends: [string, string][] = [
      [topic("orin-02", "telemetry"), "{not json"],
      [topic("orin-02", "telemetry"), good.slice(0, good.length / 2)],
      // Over the schema's 64 KiB but under the broker's packet limit (4 KiB more), which cuts off bigger ones.
      [topic("orin-02", "telemetry"), JSON.stringify({ ...telemetry(2), pad: "x".repeat(66_000) })],
      [topic("orin-02", "telemetry"), json({ ...telemetry(3), schemaVersion: 2 })],
      [topic("orin-02", "telemetry"), json({ ...telemetry(4), samples: [{ metric: "made_up", unit: "watts", value: 1, labels: {} }] })],
      [`edgefleet/v1/${SITE}/orin-02/status`, good],
    ];
    for (const [t, body] of sends) await bad.publishAsync(t, body, { qos: 1 });
    await bad.publishAsync(topic("orin-02", "telemetry"), json(telemetry(5)), { qos: 1 });
    const m = await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-02"))).toBe(20);
      return m;
    });
    const rejected = (reason: string) => seriesValue(m, "edgefleet_gateway_rejected_messages_total", { reason });
    expect({
      "malformed-json": rejected("malformed-json"),
      oversized: rejected("oversized"),
      "wrong-schema-version": rejected("wrong-schema-version"),
      "invalid-payload": rejected("invalid-payload"),
      "wrong-topic": rejected("wrong-topic"),
    }).toEqual({ "malformed-json": 2, oversized: 1, "wrong-schema-version": 1, "invalid-payload": 1, "wrong-topic": 1 });
    expect(seriesValue(m, "edgefleet_gateway_messages_total", { kind: "telemetry", result: "rejected" })).toBe(5);
    expect(seriesValue(m, "edgefleet_gateway_messages_total", { kind: "unknown", result: "rejected" })).toBe(1);
    expect((await gateway.get("/healthz")).status).toBe(200);
    const logged = gateway
      .log()
      .split("\n")
      .filter((l) => l.includes('"rejected a message"'));
    expect(logged.length).toBeGreaterThanOrEqual(5);
    for (const line of logged) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("adds a redelivered message once and counts it as a duplicate", async () => {
    const orin = await node("orin-03");
    for (const seq of [1, 2, 2, 3, 1]) await orin.publishAsync(topic("orin-03", "telemetry"), json(telemetry(seq)), { qos: 1 });
    await orin.publishAsync(topic("orin-03", "telemetry"), json(telemetry(4)), { qos: 1 });
    const m = await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-03"))).toBe(80);
      return m;
    });
    expect(seriesValue(m, "edgefleet_gateway_messages_total", { kind: "telemetry", result: "duplicate" })).toBe(2);
  });

  it("with a shared subscription, counts the drops the agent reports as gaps", async () => {
    const orin = await node("orin-04");
    await orin.publishAsync(topic("orin-04", "telemetry"), json(telemetry(1)), { qos: 1 });
    const spool = { pendingMessages: 0, bytes: 8192, droppedMessages: 3 };
    await orin.publishAsync(topic("orin-04", "telemetry"), json(telemetry(5, { spool })), { qos: 1 });
    await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_gateway_sequence_gaps_total", dev("orin-04"))).toBe(3);
      expect(seriesValue(m, "edgefleet_device_spool_dropped_messages_total", dev("orin-04"))).toBe(3);
    });
  });

  it("on a death, sets up to 0 and removes the device's other series", async () => {
    const orin = await node("orin-05");
    await orin.publishAsync(topic("orin-05", "telemetry"), json(telemetry(1)), { qos: 1 });
    await eventually(async () => expect(seriesValue(await scrape(gateway), "edgefleet_device_up", dev("orin-05"))).toBe(1));
    await orin.publishAsync(topic("orin-05", "death"), json(death("shutdown")), { qos: 1 });
    const m = await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_device_up", dev("orin-05"))).toBe(0);
      return m;
    });
    const left = m.filter((s) => s.labels.node === "orin-05").map((s) => s.name);
    expect(left.sort()).toEqual(["edgefleet_device_up", "edgefleet_gateway_sequence_gaps_total"]);
  });

  it("shows a lost connection (last will) within 1.5 x keepalive", async () => {
    const keepalive = 2;
    const will = { topic: topic("orin-06", "death"), payload: Buffer.from(json(death("connection-lost"))), qos: 1 as const, retain: false };
    const orin = await node("orin-06", "x86-cpu", { keepalive, will });
    await orin.publishAsync(topic("orin-06", "telemetry"), json(telemetry(1)), { qos: 1 });
    await eventually(async () => expect(seriesValue(await scrape(gateway), "edgefleet_inference_requests_total", dev("orin-06"))).toBe(20));
    const lost = Date.now();
    orin.stream.destroy();
    await eventually(
      async () => expect(seriesValue(await scrape(gateway), "edgefleet_device_up", dev("orin-06"))).toBe(0),
      1.5 * keepalive * 1000,
      25,
    );
    expect(Date.now() - lost).toBeLessThanOrEqual(1.5 * keepalive * 1000);
    expect(select(await scrape(gateway), "edgefleet_inference_requests_total", dev("orin-06"))).toEqual([]);
  });

  it("drops a sample whose labels repeat a device label's name, counts it, and the scrape still parses", async () => {
    const orin = await node("orin-07");
    const samples = [
      { metric: "throttled" as const, unit: "flag" as const, value: 1, labels: { site: "elsewhere", exported_site: "again" } },
      { metric: "throttled" as const, unit: "flag" as const, value: 0, labels: { component: "soc" } },
    ];
    await orin.publishAsync(topic("orin-07", "telemetry"), json(telemetry(1, { samples })), { qos: 1 });
    const m = await eventually(async () => {
      const m = await scrape(gateway);
      expect(seriesValue(m, "edgefleet_gateway_dropped_entries_total", { reason: "duplicate-label-name" })).toBe(1);
      return m;
    });
    expect(select(m, "edgefleet_device_throttled", dev("orin-07")).map((s) => s.labels)).toEqual([
      { ...dev("orin-07"), hardware_class: "jetson-orin", component: "soc" },
    ]);
    expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-07"))).toBe(20);
    expect(gateway.log()).toContain('"code":"duplicate-label-name"');
  });

  it("passes promtool check metrics", async () => {
    const body = await gateway.metrics();
    const result = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("gateway restart", () => {
  it("re-learns the fleet from retained births and the rebirth request", async () => {
    const alive = await node("orin-11", "jetson-orin");
    // An agent answers the rebirth request with a fresh birth, as the edge agent does.
    await alive.subscribeAsync(REBIRTH_TOPIC, { qos: 1 });
    alive.on("message", (t) => {
      if (t === REBIRTH_TOPIC) void alive.publishAsync(topic("orin-11", "birth"), json(birth("jetson-orin")), { qos: 1, retain: true });
    });
    const gone = await node("orin-12", "rpi5-coral");
    await gone.endAsync();

    const gateway = await startGateway({ broker: tls, replica: 1 });
    try {
      await eventually(async () => {
        const m = await scrape(gateway);
        expect(seriesValue(m, "edgefleet_device_up", { ...dev("orin-11"), hardware_class: "jetson-orin" })).toBe(1);
        // Known from its retained birth, but it never answered: offline, with its hardware class.
        expect(seriesValue(m, "edgefleet_device_up", { ...dev("orin-12"), hardware_class: "rpi5-coral" })).toBe(0);
      });
    } finally {
      await gateway.stop();
    }
  });

  it("resumes its session: telemetry published while it was down arrives after it returns", async () => {
    const first = await startGateway({ broker: tls, replica: 2, sharedGroup: "resume-group" });
    const orin = await node("orin-13");
    await orin.publishAsync(topic("orin-13", "telemetry"), json(telemetry(1)), { qos: 1 });
    await eventually(async () => expect(seriesValue(await scrape(first), "edgefleet_inference_requests_total", dev("orin-13"))).toBe(20));
    await first.stop();
    for (let seq = 2; seq <= 6; seq++) await orin.publishAsync(topic("orin-13", "telemetry"), json(telemetry(seq)), { qos: 1 });
    const second = await startGateway({ broker: tls, replica: 2, sharedGroup: "resume-group" });
    try {
      await eventually(async () =>
        expect(seriesValue(await scrape(second), "edgefleet_inference_requests_total", dev("orin-13"))).toBe(100),
      );
      expect(second.log()).toContain('"sessionPresent":true');
    } finally {
      await second.stop();
    }
  });
});

describe("per-node caps", () => {
  it("drops and counts what would pass --max-series-per-node or --max-label-values-per-node, and keeps the node's other series", async () => {
    const gateway = await startGateway({
      broker: tls,
      replica: 3,
      // Unshared: the default group still deals shares to the stopped gateways of earlier tests.
      sharedGroup: "",
      extraArgs: ["--max-series-per-node=40", "--max-label-values-per-node=3"],
    });
    try {
      const orin = await node("orin-51");
      const zones = ["a", "b", "c", "d", "e"].map((zone) => ({
        metric: "thermal_zone_temperature_celsius" as const,
        unit: "celsius" as const,
        value: 40,
        labels: { zone },
      }));
      await orin.publishAsync(topic("orin-51", "telemetry"), json(telemetry(1, { samples: zones })), { qos: 1 });
      const m = await eventually(async () => {
        const m = await scrape(gateway);
        expect(seriesValue(m, "edgefleet_gateway_dropped_entries_total", { reason: "label-values-limit" })).toBe(2);
        return m;
      });
      expect(select(m, "edgefleet_device_thermal_zone_temperature_celsius", dev("orin-51")).map((s) => s.labels.zone)).toEqual([
        "a",
        "b",
        "c",
      ]);
      // Up, last seen, info, spool (3), read errors, 3 zones and the first message's model version (17): 27 of 40 lines, so a second version does not fit.
      const second = { ...telemetry(2).inference[0], version: "2026.12.1" } as ReturnType<typeof telemetry>["inference"][number];
      await orin.publishAsync(
        topic("orin-51", "telemetry"),
        json(telemetry(2, { samples: [], inference: [...telemetry(2).inference, second] })),
        { qos: 1 },
      );
      await eventually(async () => {
        const m = await scrape(gateway);
        expect(seriesValue(m, "edgefleet_gateway_dropped_entries_total", { reason: "series-limit" })).toBe(1);
        expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-51"))).toBe(40);
      });
      expect(spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: await gateway.metrics(), encoding: "utf8" }).status).toBe(0);
    } finally {
      await gateway.stop();
    }
  });
});

describe("retiring a device", () => {
  it("clears its retained birth: running gateways forget it now, a restarted one never learns it", async () => {
    const first = await startGateway({ broker: tls, replica: 4, sharedGroup: "" });
    try {
      const retired = await node("orin-41");
      await retired.publishAsync(topic("orin-41", "telemetry"), json(telemetry(1)), { qos: 1 });
      await retired.endAsync();
      await node("orin-42");
      await eventually(async () => expect(seriesValue(await scrape(first), "edgefleet_inference_requests_total", dev("orin-41"))).toBe(20));

      const run = retireDevice(tls, "orin-41");
      expect(run.output).toContain("retained birth cleared");
      expect(run.status).toBe(0);
      await eventually(async () => expect(select(await scrape(first), "edgefleet_device_up", dev("orin-41"))).toEqual([]));
      expect((await scrape(first)).filter((s) => s.labels.node === "orin-41")).toEqual([]);
      expect(first.log()).toContain("device retired");
    } finally {
      await first.stop();
    }
    const second = await startGateway({ broker: tls, replica: 5, sharedGroup: "" });
    try {
      // The other device's retained birth arrives; the retired one's is gone.
      await eventually(async () => expect(seriesValue(await scrape(second), "edgefleet_device_up", dev("orin-42"))).toBe(0));
      expect(select(await scrape(second), "edgefleet_device_up", dev("orin-41"))).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});

describe("two gateways on one shared subscription", () => {
  it("split the telemetry, and the union of their metrics is complete", async () => {
    const group = "pair";
    const [a, b] = await Promise.all([
      startGateway({ broker: tls, replica: 6, sharedGroup: group }),
      startGateway({ broker: tls, replica: 7, sharedGroup: group }),
    ]);
    try {
      const nodes = ["pair-1", "pair-2", "pair-3"];
      const perNode = 40;
      for (const name of nodes) {
        const client = await node(name);
        for (let seq = 1; seq <= perNode; seq++) await client.publishAsync(topic(name, "telemetry"), json(telemetry(seq)), { qos: 1 });
      }
      const total = (m: ReturnType<typeof parseExposition>, name: string) =>
        select(m, "edgefleet_inference_requests_total", dev(name)).reduce((s, x) => s + x.value, 0);
      const [ma, mb] = await eventually(async () => {
        const [ma, mb] = await Promise.all([scrape(a), scrape(b)]);
        for (const name of nodes) expect(total(ma, name) + total(mb, name)).toBe(perNode * 20);
        return [ma, mb];
      });
      const accepted = (m: typeof ma) => seriesValue(m, "edgefleet_gateway_messages_total", { kind: "telemetry", result: "accepted" }) ?? 0;
      expect(accepted(ma) + accepted(mb)).toBe(nodes.length * perNode);
      expect(accepted(ma)).toBeGreaterThan(0);
      expect(accepted(mb)).toBeGreaterThan(0);
      // Births reach both: each keeps the whole registry.
      for (const m of [ma, mb]) for (const name of nodes) expect(seriesValue(m, "edgefleet_device_up", dev(name))).toBe(1);
      // A shared share has holes by design: they are not gaps.
      for (const m of [ma, mb])
        for (const name of nodes) expect(seriesValue(m, "edgefleet_gateway_sequence_gaps_total", dev(name)) ?? 0).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe("the gateway's own device timeout", () => {
  it("takes a connected but silent device offline within --device-timeout plus one sweep, and its next telemetry brings it back", async () => {
    const timeoutMs = 3_000;
    const sweepMs = 300;
    const gateway = await startGateway({
      broker: tls,
      replica: 8,
      sharedGroup: "",
      extraArgs: [`--device-timeout=${timeoutMs}ms`],
    });
    try {
      // A keepalive the broker would act on only after 90 s: only the gateway's timeout can see this silence.
      const orin = await node("orin-31", "jetson-orin", { keepalive: 60 });
      await orin.publishAsync(topic("orin-31", "telemetry"), json(telemetry(1)), { qos: 1 });
      const silent = Date.now();
      await eventually(async () => expect(seriesValue(await scrape(gateway), "edgefleet_device_up", dev("orin-31"))).toBe(1));
      const m = await eventually(
        async () => {
          const m = await scrape(gateway);
          expect(seriesValue(m, "edgefleet_device_up", dev("orin-31"))).toBe(0);
          return m;
        },
        timeoutMs + sweepMs + 2_000,
        25,
      );
      // Up to 1 s for the scrapes on a loaded machine: the gateway heard the message after `silent`, and scraped after the sweep.
      expect(Date.now() - silent).toBeGreaterThanOrEqual(timeoutMs);
      expect(Date.now() - silent).toBeLessThanOrEqual(timeoutMs + sweepMs + 1_000);
      expect(orin.connected).toBe(true);
      expect(
        m
          .filter((s) => s.labels.node === "orin-31")
          .map((s) => s.name)
          .sort(),
      ).toEqual(["edgefleet_device_up", "edgefleet_gateway_sequence_gaps_total"]);
      // Earlier tests' devices that answered this gateway's rebirth request and went quiet count too.
      expect(seriesValue(m, "edgefleet_gateway_device_timeouts_total")).toBeGreaterThanOrEqual(1);
      expect(seriesValue(m, "edgefleet_gateway_devices", { state: "offline" })).toBeGreaterThanOrEqual(1);
      const logged = gateway
        .log()
        .split("\n")
        .filter((l) => l.includes("device silent for the device timeout") && l.includes("orin-31"));
      expect(logged).toHaveLength(1);

      await orin.publishAsync(topic("orin-31", "telemetry"), json(telemetry(2)), { qos: 1 });
      await eventually(async () => {
        const m = await scrape(gateway);
        expect(seriesValue(m, "edgefleet_device_up", dev("orin-31"))).toBe(1);
        expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-31"))).toBe(20);
      });
      await orin.endAsync();
    } finally {
      await gateway.stop();
    }
  });
});

describe("a gateway on an unshared subscription", () => {
  it("counts the numbers missing from a node's seq as gaps", async () => {
    const gateway = await startGateway({ broker: tls, replica: 9, sharedGroup: "" });
    try {
      const orin = await node("orin-21");
      for (const seq of [10, 11, 14, 15, 20]) await orin.publishAsync(topic("orin-21", "telemetry"), json(telemetry(seq)), { qos: 1 });
      await eventually(async () => {
        const m = await scrape(gateway);
        expect(seriesValue(m, "edgefleet_inference_requests_total", dev("orin-21"))).toBe(100);
        expect(seriesValue(m, "edgefleet_gateway_sequence_gaps_total", dev("orin-21"))).toBe(2 + 4);
      });
    } finally {
      await gateway.stop();
    }
  });
});
