import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IdentityGeneration } from "@edgefleet/kit";
import { REBIRTH_TOPIC } from "@edgefleet/telemetry";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, telemetry, topic } from "./payloads.js";
import { CRL_FILE, connectAs, GATEWAY_MQTT_IDENTITY, startTlsBroker, type TlsBroker } from "./tls-broker.js";

/**
 * The site CA's revocation list (stacks/src/pki/certificates.ts) in the shipped config's crlfile, on
 * the real Mosquitto: what a `pulumi up` does is write the new list and roll the broker's pod
 * (the list is in its ConfigMap, whose hash is the pod's annotation); here the broker restarts.
 */
describe("Mosquitto with the site CA's revocation list (real broker)", () => {
  let tls: TlsBroker;
  let gateway: MqttClient;
  const received: string[] = [];

  /** The next apply: a new list, the broker restarted with it, the gateway back. */
  async function apply(revoked: IdentityGeneration[]) {
    await gateway?.endAsync(true);
    await tls.broker.stop();
    writeFileSync(join(tls.broker.dir, CRL_FILE), tls.ca.revocationList(revoked));
    await tls.broker.start();
    gateway = await tls.connect(GATEWAY_MQTT_IDENTITY);
    gateway.on("message", (t) => received.push(t));
    await gateway.subscribeAsync("edgefleet/v1/+/+/+", { qos: 1 });
  }

  const connect = (name: string, generation = 0) => connectAs(tls.url, name, tls.ca.issue(name, [], generation), { connectTimeout: 3_000 });
  const publishes = async (client: MqttClient, name: string) => {
    await client.publishAsync(topic(name, "telemetry"), json(telemetry(1)), { qos: 1 });
    await expect.poll(() => received).toContain(`edgefleet/v1/plant-3/${name}/telemetry`);
  };

  beforeAll(async () => {
    tls = await startTlsBroker({ revocationList: true });
    await apply([]);
  });
  afterAll(async () => {
    await gateway?.endAsync(true);
    await tls?.dispose();
  });

  it("accepts every current certificate while the list is empty", async () => {
    await publishes(await connect("orin-31"), "orin-31");
  });

  it("after the next apply refuses a revoked device at connect, takes its re-issued generation, and the others keep publishing", async () => {
    // orin-31 re-issued (generation 1 replaces 0), orin-32 removed from the site.
    await apply([
      { cn: "orin-31", generation: 0 },
      { cn: "orin-32", generation: 0 },
    ]);
    // The TLS alert the broker sends: refused for revocation, not for anything else.
    await expect(connect("orin-31")).rejects.toThrow(/certificate revoked/);
    await expect(connect("orin-32")).rejects.toThrow(/certificate revoked/);
    await publishes(await connect("orin-31", 1), "orin-31");
    await publishes(await connect("orin-33"), "orin-33");
  });
});

describe("Mosquitto whose ACL lists the site's nodes, as a K3s stack's broker has (real broker)", () => {
  let tls: TlsBroker;
  afterAll(async () => {
    await tls?.dispose();
  });

  it("lets a listed node publish its own topics only, and a node removed from the list publish and read nothing", async () => {
    tls = await startTlsBroker({ nodes: ["orin-41"] });
    const gateway = await tls.connect(GATEWAY_MQTT_IDENTITY);
    const received: string[] = [];
    gateway.on("message", (t) => received.push(t));
    await gateway.subscribeAsync("edgefleet/v1/+/+/+", { qos: 1 });
    const listed = await tls.connect("orin-41");
    await listed.publishAsync(topic("orin-41", "telemetry"), json(telemetry(1)), { qos: 1 });
    await expect(listed.publishAsync(topic("orin-42", "telemetry"), json(telemetry(1)), { qos: 1 })).rejects.toMatchObject({ code: 135 });
    // Its certificate is still the site CA's, so it connects, but every publish is refused and the rebirth request never reaches it.
    const removed = await tls.connect("orin-42");
    const requests: string[] = [];
    removed.on("message", (t) => requests.push(t));
    await removed.subscribeAsync(REBIRTH_TOPIC, { qos: 1 });
    await expect(removed.publishAsync(topic("orin-42", "telemetry"), json(telemetry(1)), { qos: 1 })).rejects.toMatchObject({ code: 135 });
    await gateway.publishAsync(REBIRTH_TOPIC, "{}", { qos: 1 });
    await expect.poll(() => received).toContain("edgefleet/v1/plant-3/orin-41/telemetry");
    await new Promise((r) => setTimeout(r, 300));
    expect(requests).toEqual([]);
    expect(received.filter((t) => t.includes("orin-42"))).toEqual([]);
  });
});
