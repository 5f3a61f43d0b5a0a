import type { BirthPayload, DeathPayload, TelemetryPayload } from "@edgefleet/telemetry";
import mqtt, { type MqttClient } from "mqtt";

export interface Received<T> {
  readonly topic: string;
  readonly payload: T;
  readonly retained: boolean;
  /** Date.now() when the test process got it. */
  readonly at: number;
}

/**
 * A plain mqtt.js client with a persistent session (QoS 1, session kept for an hour), so the
 * broker queues what it receives while this client is away: it sees what the broker accepted.
 */
export class TestSubscriber {
  readonly telemetry: Received<TelemetryPayload>[] = [];
  readonly births: Received<BirthPayload>[] = [];
  readonly deaths: Received<DeathPayload>[] = [];

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, body, packet) => {
      const entry = { topic, payload: JSON.parse(body.toString()), retained: packet.retain, at: Date.now() };
      if (topic.endsWith("/telemetry")) this.telemetry.push(entry);
      else if (topic.endsWith("/birth")) this.births.push(entry);
      else if (topic.endsWith("/death")) this.deaths.push(entry);
    });
  }

  static async connect(url: string, clientId = `test-subscriber-${process.pid}-${Date.now()}`): Promise<TestSubscriber> {
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 200,
    });
    const subscriber = new TestSubscriber(client);
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    await client.subscribeAsync("edgefleet/v1/+/+/+", { qos: 1 });
    return subscriber;
  }

  seqs(): number[] {
    return this.telemetry.map((m) => m.payload.seq);
  }

  async waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; seqs so far: ${summarize(this.seqs())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** Every seq from the first to the last received, and the ones missing in between. */
export function seqReport(seqs: readonly number[]) {
  const unique = new Set(seqs);
  const first = Math.min(...unique);
  const last = Math.max(...unique);
  const missing: number[] = [];
  for (let s = first; s <= last; s++) if (!unique.has(s)) missing.push(s);
  return { first, last, received: seqs.length, unique: unique.size, duplicates: seqs.length - unique.size, missing };
}

function summarize(seqs: readonly number[]): string {
  return seqs.length <= 20 ? seqs.join(",") : `${seqs.slice(0, 5).join(",")} ... ${seqs.slice(-10).join(",")} (${seqs.length})`;
}
