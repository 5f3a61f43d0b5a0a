import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeModel, VISION_VARIANTS } from "@edgefleet/api";
import { OPERATOR_MQTT_IDENTITY } from "@edgefleet/stacks";
import { type AssignedRuntime, assignmentsTopic, parseAssignments } from "@edgefleet/telemetry";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { converged, type EdgeModels } from "../operator/edgemodels.js";
import { OperatorProcess } from "../operator/operator-process.js";
import { startOperatorSuite } from "../operator/suite.js";
import { startTlsBroker, type TlsBroker } from "../telemetry/tls-broker.js";
import { AgentProcess } from "./agent-process.js";

/** MQTT 5 reason code 0x87 (not authorized) of a refused PUBACK. */
const NOT_AUTHORIZED = 135;
const SITE = "plant-3";
// Five x86-cpu nodes of the default fleet, one onnx-fp32 runtime pod each.
const X86 = { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" };

const { kc, core } = testCluster();
let tls: TlsBroker;
let ns: string;
let kubeconfig: string;
let models: EdgeModels;
let suiteOperator: OperatorProcess | undefined;
let operator: OperatorProcess | undefined;
let agent: AgentProcess | undefined;
const spoolDir = mkdtempSync(join(tmpdir(), "assignments-spool-"));

/** --<prefix>-ca, -cert and -key for an identity directory as TlsBroker.identityDir writes it. */
const tlsFlags = (prefix: string, dir: string) => [
  `--${prefix}-ca`,
  join(dir, "ca.crt"),
  `--${prefix}-cert`,
  join(dir, "tls.crt"),
  `--${prefix}-key`,
  join(dir, "tls.key"),
];

/** The operator with its own MQTT identity, publishing the suite namespace's assignments. */
const assigningOperator = (identity: string) =>
  new OperatorProcess({
    kubeconfig,
    namespace: ns,
    identity,
    extra: ["--mqtt-url", tls.url, "--mqtt-site", SITE, ...tlsFlags("mqtt-tls", tls.identityDir(OPERATOR_MQTT_IDENTITY))],
  });

beforeAll(async () => {
  tls = await startTlsBroker({ site: SITE });
  // The suite's namespace and API; its operator is replaced by one that publishes assignments.
  const suite = await startOperatorSuite({ kc, core, name: "assignments" });
  ({ ns, kubeconfig, models } = suite);
  suiteOperator = suite.operator;
  await suiteOperator.stop();
  operator = assigningOperator("assignments-mqtt");
  await operator.waitForLog("controller started");
});

afterAll(async () => {
  await agent?.kill();
  await operator?.stop();
  await tls?.dispose();
  if (ns) await core.deleteNamespace({ name: ns });
  rmSync(spoolDir, { recursive: true, force: true });
});

/** The assignments a node's own MQTT identity reads on its topic: each message, parsed, as it arrives. */
async function watchAssignments(node: string): Promise<{ client: MqttClient; seen: AssignedRuntime[][] }> {
  const client = await tls.connect(node);
  const seen: AssignedRuntime[][] = [];
  client.on("message", (_topic, payload) => {
    const parsed = parseAssignments(payload);
    seen.push(parsed.ok ? parsed.payload.runtimes : []);
  });
  const granted = await client.subscribeAsync(assignmentsTopic(SITE, node), { qos: 1 });
  expect(granted.map((g) => g.qos)).toEqual([1]);
  return { client, seen };
}

describe("per-node assignments over MQTT (real operator, Mosquitto with the shipped ACL, API server)", () => {
  it("the operator publishes each node's runtimes on its retained topic, the node's agent probes them, and another node's topic is refused", async () => {
    await models.create("detector", { placement: { nodeSelector: X86 } });
    const model = await eventually("detector converged", async () => {
      const m = await models.get("detector");
      return converged(m) && (m?.status?.placements ?? []).some((p) => p.ready) ? m : undefined;
    });
    const pods = await eventually("a runtime pod with an IP", async () => {
      const list = (await core.listNamespacedPod({ namespace: ns })).items.filter((p) => p.status?.podIP && p.spec?.nodeName);
      return list.length >= 2 ? list : undefined;
    });
    const [mine, other] = pods as [(typeof pods)[0], (typeof pods)[0]];
    const node = mine.spec?.nodeName ?? "";
    const expected: AssignedRuntime = {
      namespace: ns,
      model: "detector",
      version: (model as EdgeModel).spec.version,
      variant: "onnx-fp32",
      runtime: "onnx",
      baseUrl: `http://${mine.status?.podIP}:8080`,
      runtimeMetrics: true,
    };

    // Retained: a node that subscribes after the publish still gets its assignments at once.
    const watcher = await watchAssignments(node);
    await expect.poll(() => watcher.seen.at(-1), { timeout: 30_000 }).toEqual([expected]);
    // The broker binds the client id to the certificate: the node's agent would take this session over.
    await watcher.client.endAsync();

    // The node's own agent learns them from the broker, with no API credentials at all.
    agent = new AgentProcess({
      brokerUrl: tls.url,
      spoolDir,
      site: SITE,
      node,
      extra: ["--runtime-assignments", ...tlsFlags("tls", tls.identityDir(node))],
    });
    expect((await agent.waitForLog("assignments")).runtimes).toBe(1);

    // The ACL: another node can neither read this node's assignments nor write its own.
    // Mosquitto grants the subscription but never delivers what the ACL does not let it read,
    // here the retained message a reader would get at once.
    const intruder = await tls.connect(other.spec?.nodeName ?? "");
    const leaked: string[] = [];
    intruder.on("message", (topic) => leaked.push(topic));
    await intruder.subscribeAsync(assignmentsTopic(SITE, node), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(leaked).toEqual([]);
    await expect(
      intruder.publishAsync(assignmentsTopic(SITE, other.spec?.nodeName ?? ""), JSON.stringify({ schemaVersion: 1, runtimes: [] }), {
        qos: 1,
        retain: true,
      }),
    ).rejects.toMatchObject({ code: NOT_AUTHORIZED });
    await intruder.endAsync();

    // The model gone, the operator clears the node's retained assignments and the agent stops probing.
    await models.delete("detector");
    expect((await agent.waitForLog("assignments", { after: 1, timeoutMs: 60_000 })).runtimes).toBe(0);
  }, 180_000);

  it("carries the variant's evaluation data in its nodes' assignments, for their agents to score it on", async () => {
    await agent?.kill();
    agent = undefined;
    const evaluation = { dataset: "e.npz", sha256: "e".repeat(64), samples: 540, uri: "https://data.example.com/digits/e.npz" };
    const variants = VISION_VARIANTS.map((v) =>
      v.name === "onnx-fp32" ? { ...v, profile: { accuracy: { percent: 97.5, evaluation } } } : v,
    );
    await models.create("scored", { variants, placement: { nodeSelector: X86 } });
    const pod = await eventually("a runtime pod of scored with an IP", async () =>
      (await core.listNamespacedPod({ namespace: ns })).items.find(
        (p) => p.metadata?.labels?.["edgefleet.io/model"] === "scored" && p.status?.podIP && p.spec?.nodeName,
      ),
    );
    const watcher = await watchAssignments(pod.spec?.nodeName ?? "");
    const { dataset: _, ...assigned } = evaluation;
    await expect.poll(() => watcher.seen.at(-1)?.find((r) => r.model === "scored")?.evaluation, { timeout: 30_000 }).toEqual(assigned);
    // Gone again, its node's assignments cleared before the next test restarts the operator.
    await models.delete("scored");
    await expect.poll(() => watcher.seen.at(-1), { timeout: 60_000 }).toEqual([]);
    await watcher.client.endAsync();
  }, 120_000);

  it("a restarted operator republishes every node's assignments and clears those of nodes it no longer assigns to", async () => {
    // A retained message left from before: a node whose runtimes went while no operator ran.
    await operator?.stop();
    const before = await tls.connect(OPERATOR_MQTT_IDENTITY);
    const node = "x86-cpu-0099";
    const runtime = { namespace: ns, model: "gone", version: "1", variant: "onnx-fp32", runtime: "onnx", baseUrl: "http://10.0.0.9:8080" };
    const stale = { schemaVersion: 1, runtimes: [{ ...runtime, runtimeMetrics: true }] };
    await before.publishAsync(assignmentsTopic(SITE, node), JSON.stringify(stale), { qos: 1, retain: true });
    await before.endAsync();

    operator = assigningOperator("assignments-mqtt-2");
    expect((await operator.waitForLog("assignments: clearing a node's stale assignments", { timeoutMs: 30_000 })).node).toBe(node);
    // Cleared: a node subscribing now gets no retained message.
    const { seen } = await watchAssignments(node);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen).toEqual([]);
  });
});
