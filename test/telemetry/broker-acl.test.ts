import { connect, type TLSSocket } from "node:tls";
import { MAX_PACKET_BYTES, RETIRE_MQTT_IDENTITY } from "@edgefleet/stacks";
import { REBIRTH_TOPIC } from "@edgefleet/telemetry";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { json, telemetry, topic } from "./payloads.js";
import { GATEWAY_MQTT_IDENTITY, startTlsBroker, type TlsBroker } from "./tls-broker.js";

/** MQTT 5 reason code 0x87, which mqtt.js turns into a rejected publish. */
const NOT_AUTHORIZED = 135;

/** The shipped Mosquitto config and ACL (stacks/src/platform/mosquitto.ts) on the real broker. */
describe("Mosquitto with the shipped TLS config and ACL (real broker)", () => {
  let tls: TlsBroker;
  let gateway: MqttClient;
  const received: string[] = [];

  beforeAll(async () => {
    tls = await startTlsBroker();
    gateway = await tls.connect(GATEWAY_MQTT_IDENTITY);
    gateway.on("message", (t) => received.push(t));
    const granted = await gateway.subscribeAsync({ "$share/g/edgefleet/v1/+/+/+": { qos: 1 }, "edgefleet/v1/+/+/birth": { qos: 1 } });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
  });
  afterAll(async () => {
    await tls?.dispose();
  });

  it("refuses a packet over MAX_PACKET_BYTES: the sender is cut off, the gateway never sees it, others keep publishing", async () => {
    const v5 = await tls.connect("orin-10");
    // An MQTT 3.1.1 client (MQTT 5 ones are told the limit in the CONNACK): the broker disconnects it.
    const flooder = await tls.connect("orin-09", { protocolVersion: 4 });
    const closed = new Promise<void>((resolve) => flooder.once("close", () => resolve()));
    const oversized = topic("orin-09", "telemetry");
    flooder.publish(oversized, Buffer.alloc(MAX_PACKET_BYTES + 1, 0x61), { qos: 1 });
    await closed;
    await v5.publishAsync(topic("orin-10", "birth"), "{}", { qos: 1 });
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-10/birth");
    expect(received).not.toContain(oversized);
  });

  it("binds the client id to the certificate: a node asking for another's id or the gateway's kicks neither off, and no last will fires", async () => {
    const victim = await tls.connect("orin-21", {
      clientId: "orin-21",
      will: { topic: topic("orin-21", "death"), payload: Buffer.from("{}"), qos: 1, retain: false },
    });
    const kicked = vi.fn();
    victim.on("close", kicked);
    gateway.on("close", kicked);
    // The broker replaces the id each asks for with its certificate's CN, so neither takes a session over.
    const intruders = [
      await tls.connect("orin-22", { clientId: "orin-21" }),
      await tls.connect("orin-24", { clientId: GATEWAY_MQTT_IDENTITY }),
    ];
    await new Promise((r) => setTimeout(r, 300));
    expect(intruders.every((c) => c.connected)).toBe(true);
    expect([victim.connected, gateway.connected]).toEqual([true, true]);
    await victim.publishAsync(topic("orin-21", "birth"), "{}", { qos: 1 });
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-21/birth");
    expect(received).not.toContain("edgefleet/v1/plant-3/orin-21/death");
    victim.off("close", kicked);
    gateway.off("close", kicked);
    expect(kicked).not.toHaveBeenCalled();
  });

  it("lets a node take over only its own session: a second connection with its certificate replaces the first", async () => {
    const first = await tls.connect("orin-23");
    const closed = new Promise<void>((resolve) => first.once("close", () => resolve()));
    const second = await tls.connect("orin-23", { clientId: "anything-else" });
    await closed;
    expect(second.connected).toBe(true);
  });

  it("completes a TLS handshake only with a client certificate from the site CA", async () => {
    const node = await tls.connect("orin-07");
    expect(node.connected).toBe(true);
    const socket = node.stream as TLSSocket;
    expect(socket.encrypted).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe("edgefleet-mqtt");
  });

  it("lets a node publish its own telemetry, which the gateway receives", async () => {
    const node = await tls.connect("orin-07");
    // mqtt.js resolves a QoS 1 publish on a PUBACK below 0x80 and rejects on an error code.
    await expect(node.publishAsync(topic("orin-07", "telemetry"), json(telemetry(1)), { qos: 1 })).resolves.toBeDefined();
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-07/telemetry");
  });

  it("denies a node publishing under another node's topic (PUBACK 135) and the gateway never sees it", async () => {
    const node = await tls.connect("orin-07");
    const forged = topic("orin-08", "telemetry");
    await expect(node.publishAsync(forged, json(telemetry(1)), { qos: 1 })).rejects.toMatchObject({ code: NOT_AUTHORIZED });
    // Under another site too.
    await expect(node.publishAsync(topic("orin-07", "telemetry", "plant-4"), json(telemetry(2)), { qos: 1 })).rejects.toMatchObject({
      code: NOT_AUTHORIZED,
    });
    // Something the broker did pass, published after the forgery, arrives; the forgery did not.
    await node.publishAsync(topic("orin-07", "birth"), "{}", { qos: 1 });
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-07/birth");
    expect(received).not.toContain(forged);
    expect(received).not.toContain("edgefleet/v1/plant-4/orin-07/telemetry");
  });

  it("lets nodes read the rebirth request and only the gateway write it", async () => {
    const node = await tls.connect("orin-07");
    const requests: string[] = [];
    node.on("message", (t) => requests.push(t));
    expect((await node.subscribeAsync(REBIRTH_TOPIC, { qos: 1 }))[0]?.qos).toBe(1);
    await expect(node.publishAsync(REBIRTH_TOPIC, "{}", { qos: 1 })).rejects.toMatchObject({ code: NOT_AUTHORIZED });
    await expect(gateway.publishAsync(REBIRTH_TOPIC, "{}", { qos: 1 })).resolves.toBeDefined();
    await expect.poll(() => requests).toEqual([REBIRTH_TOPIC]);
    // A node cannot read the others' messages: Mosquitto grants the wildcard but delivers nothing the ACL denies.
    await node.subscribeAsync("edgefleet/v1/+/+/+", { qos: 1 });
    const other = await tls.connect("orin-09");
    await other.publishAsync(topic("orin-09", "telemetry"), json(telemetry(1)), { qos: 1 });
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-09/telemetry");
    await new Promise((r) => setTimeout(r, 200));
    expect(requests).toEqual([REBIRTH_TOPIC]);
  });

  it("lets only the retire command's identity clear a node's retained birth, and write nothing else of a node's", async () => {
    const retire = await tls.connect(RETIRE_MQTT_IDENTITY);
    await expect(retire.publishAsync(topic("orin-07", "birth"), "", { qos: 1, retain: true })).resolves.toBeDefined();
    for (const [client, t] of [
      [retire, topic("orin-07", "telemetry")],
      [retire, topic("orin-07", "birth", "plant-4")],
      [gateway, topic("orin-07", "birth")],
      [gateway, topic("orin-07", "telemetry")],
    ] as const) {
      await expect(client.publishAsync(t, "", { qos: 1, retain: true })).rejects.toMatchObject({ code: NOT_AUTHORIZED });
    }
  });

  it("refuses a client without a certificate", async () => {
    const attempt = mqtt.connectAsync(tls.url, {
      protocolVersion: 5,
      ca: tls.identity("x").ca,
      reconnectPeriod: 0,
      connectTimeout: 3_000,
    });
    await expect(attempt).rejects.toThrow();
    // At the TLS layer: the handshake fails before any MQTT is spoken.
    const failure = await new Promise<string>((resolve) => {
      const socket = connect({ host: "localhost", port: tls.broker.port, ca: tls.identity("x").ca, servername: "localhost" });
      socket.once("secureConnect", () => socket.write(Buffer.from([0x10, 0x00])));
      socket.once("error", (err) => resolve(err.message));
      socket.once("close", () => resolve("closed"));
    });
    expect(failure).toMatch(/certificate|alert|closed|ECONNRESET/i);
  });

  it("refuses a certificate from another CA", async () => {
    const other = await startTlsBroker();
    try {
      const stranger = other.identity("orin-07");
      const attempt = mqtt.connectAsync(tls.url, {
        protocolVersion: 5,
        ca: tls.identity("x").ca,
        cert: stranger.cert,
        key: stranger.key,
        reconnectPeriod: 0,
        connectTimeout: 3_000,
      });
      await expect(attempt).rejects.toThrow();
    } finally {
      await other.dispose();
    }
  });
});
