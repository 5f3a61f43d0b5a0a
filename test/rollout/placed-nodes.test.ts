import type { EdgeModel } from "@edgefleet/api";
import type { ArtifactFailures, InferenceStats, TelemetryPayload } from "@edgefleet/telemetry";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { type GatewayProcess, startGateway } from "../telemetry/gateway-process.js";
import { birth, json, telemetry, topic } from "../telemetry/payloads.js";
import { startTlsBroker, type TlsBroker } from "../telemetry/tls-broker.js";
import { CLASSES, canaries, phase, type RolloutSuite, rolloutSpec, startRolloutSuite } from "./fixture.js";

/**
 * Rollout analysis on the real path: nodes publish with their own certificates to the real
 * Mosquitto (shipped TLS config and ACL), the real gateway exports the fleet, the real Prometheus
 * scrapes it and the operator, and the real operator analyses. A node may report any model and
 * version; only the nodes the operator placed a version on count for it.
 */

const { kc, core } = testCluster();
let tls: TlsBroker;
let gateway: GatewayProcess;
let suite: RolloutSuite;
const MODEL = "gated";

/** A node publishing as its agent does: a birth with its hardware class, then telemetry with a growing seq. */
class NodeAgent {
  #seq = 0;
  constructor(
    readonly node: string,
    readonly client: MqttClient,
  ) {}

  static async start(node: string, hardwareClass: string): Promise<NodeAgent> {
    const client = await tls.connect(node);
    await client.publishAsync(topic(node, "birth"), json(birth(hardwareClass)), { qos: 1 });
    return new NodeAgent(node, client);
  }

  async send(over: Partial<TelemetryPayload>): Promise<void> {
    await this.client.publishAsync(topic(this.node, "telemetry"), json(telemetry(++this.#seq, over)), { qos: 1 });
  }
}

/** 20 requests of the version in the last second, every one within 25 ms: a canary that would pass. */
const fastInference = (version: string): InferenceStats => ({
  namespace: suite.ns,
  model: MODEL,
  version,
  variant: "onnx-fp32",
  runtime: "onnx",
  requests: 20,
  errors: 0,
  latencyBucketCounts: [0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0],
  latencySumSeconds: 0.4,
});

const refusal = (version: string): ArtifactFailures => ({
  namespace: suite.ns,
  model: MODEL,
  version,
  reason: "digest-mismatch",
  count: 1,
});

/** Nodes publishing fast inference of a version every second until stopped. */
class Streams {
  readonly #agents = new Set<NodeAgent>();
  readonly #timer = setInterval(() => {
    for (const a of this.#agents) a.send({ inference: [fastInference("2.0")] }).catch(() => {});
  }, 1000);
  add(agent: NodeAgent): void {
    this.#agents.add(agent);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

beforeAll(async () => {
  tls = await startTlsBroker();
  gateway = await startGateway({ broker: tls });
  suite = await startRolloutSuite({
    kc,
    core,
    name: "placed",
    prometheus: "real",
    scrape: [{ job: "telemetry-gateway", targets: [`127.0.0.1:${gateway.port}`] }],
  });
});

afterAll(async () => {
  await suite?.dispose();
  await gateway?.stop();
  await tls?.dispose();
});

describe("rollout analysis counts only the nodes placed on the version", () => {
  it("ignores a refusal and fast samples of the canary from nodes not placed on it, and heeds them from canary nodes", async () => {
    const prometheus = suite.prometheus;
    if (!prometheus) throw new Error("no prometheus");
    await suite.models.create(MODEL, rolloutSpec(suite.profile));
    await phase(suite.models, MODEL, "Promoted");
    await suite.models.patchSpec(MODEL, { version: "2.0" });
    const canary = await eventually("a canary node in each class", async () => {
      const c = await canaries(suite.models, MODEL);
      return CLASSES.every((cls) => c[cls]?.length === 1) ? c : undefined;
    });
    const placed = Object.fromEntries(CLASSES.map((cls) => [cls, canary[cls]?.[0] ?? ""]));
    const outsiders = Object.fromEntries(CLASSES.map((cls) => [cls, suite.nodes[cls]?.find((n) => n !== placed[cls]) ?? ""]));
    const agent = async (cls: string, node: string) => NodeAgent.start(node, cls);
    const outA = await agent("rollout-a", outsiders["rollout-a"] ?? "");
    const outB = await agent("rollout-b", outsiders["rollout-b"] ?? "");
    const streams = new Streams();
    try {
      // Nodes still on 1.0, with valid certificates, claim 2.0: one refused its artifact, both serve it fast.
      await outA.send({ inference: [], artifactFailures: [refusal("2.0")] });
      streams.add(outA);
      streams.add(outB);
      const sel = `namespace="${suite.ns}",model="${MODEL}",version="2.0"`;
      await eventually("the forged series in Prometheus, under the outsiders' names and classes", async () => {
        const refused = await prometheus.query(`edgefleet_artifact_verification_failures_total{${sel}}`);
        const served = await prometheus.query(`increase(edgefleet_inference_requests_total{${sel}}[5s]) > 10`);
        const classes = served.map((s) => `${s.metric.hardware_class} ${s.metric.node}`).sort();
        return refused[0]?.metric.node === outA.node && classes.join() === [`rollout-a ${outA.node}`, `rollout-b ${outB.node}`].join()
          ? true
          : undefined;
      });
      // The operator exports where it placed each version, and Prometheus has it.
      const assigned = await eventually("the canary assignment in Prometheus", async () => {
        const nodes = (await prometheus.query(`edgefleet_rollout_assignment{${sel}}`)).map((s) => s.metric.node).sort();
        return nodes.length ? nodes : undefined;
      });
      expect(assigned).toEqual(Object.values(placed).sort());

      // Several analyses after that: still waiting at the first step, neither rolled back nor advanced.
      const since = Date.now() + 3000;
      const seen: string[] = [];
      const waited = await eventually("analyses of the forged series", async () => {
        const m = await suite.models.get(MODEL);
        const r = m?.status?.rollout;
        if (r) seen.push(`${r.phase} ${r.step}`);
        return r?.lastAnalysis && Date.parse(r.lastAnalysis.time) > since ? m : undefined;
      });
      expect(new Set(seen)).toEqual(new Set(seen.filter((s) => /^(Progressing|Analysing) 0$/.test(s))));
      const analysis = (waited as EdgeModel).status?.rollout?.lastAnalysis;
      expect(analysis?.verdict).toBe("Wait");
      expect(analysis?.checks?.map((c) => `${c.hardwareClass} ${c.name} ${c.value} ${c.passed}`)).toEqual([
        "rollout-a artifact-refusals 0 true",
        "rollout-a samples 0 false",
        "rollout-b artifact-refusals 0 true",
        "rollout-b samples 0 false",
      ]);

      // The same from the placed canary nodes counts: their fast samples pass the step...
      const canA = await agent("rollout-a", placed["rollout-a"] ?? "");
      const canB = await agent("rollout-b", placed["rollout-b"] ?? "");
      streams.add(canA);
      streams.add(canB);
      const advanced = await eventually("the step passed on the canaries' samples", async () => {
        const m = await suite.models.get(MODEL);
        return (m?.status?.rollout?.step ?? 0) >= 1 ? m : undefined;
      });
      expect(advanced.status?.rollout?.phase).not.toBe("RolledBack");
      // ...and one refusal from a canary rolls the rollout back at once.
      await canA.send({ inference: [fastInference("2.0")], artifactFailures: [refusal("2.0")] });
      const back = await phase(suite.models, MODEL, "RolledBack");
      expect(back.status?.rollout?.reason).toMatch(/rollout-a: artifact refused on 1 node\(s\): digest-mismatch$/);
    } finally {
      streams.stop();
    }
  });
});
