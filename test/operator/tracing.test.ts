import { MANAGER } from "@edgefleet/api";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import type { EventNote, EventRecorder } from "@edgefleet/operator";
import { CONTROLLER_NAME, EdgeModelController, operatorMetrics } from "@edgefleet/operator";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { converged, EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";

const { kc, core } = testCluster();
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const registry = new Registry();
const recorded: EventNote[] = [];
const recorder: EventRecorder = { record: (_, note) => void recorded.push(note) };

let ns: string;
let client: KubeClient;
let controller: EdgeModelController;

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "op-tracing");
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")) });
  // In process, without leader election: the namespace is this suite's alone.
  controller = new EdgeModelController({
    client,
    namespace: ns,
    workers: 2,
    fieldManager: MANAGER,
    events: recorder,
    log: silentLogger,
    metrics: operatorMetrics(registry, { controller: CONTROLLER_NAME, workers: 2, inProgress: () => controller.loop.inProgress() }),
    tracer: provider.getTracer("edgefleet-test"),
  });
  await controller.lead();
});

afterAll(async () => {
  const models = new EdgeModels(kc, ns);
  await models.delete("traced").catch(() => {});
  await eventually("traced finalized", async () => ((await models.get("traced")) ? undefined : true)).catch(() => {});
  await controller?.stop();
  client?.close();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("reconcile telemetry", () => {
  it("records a span per reconcile with the key and what it did, and Events for transitions", async () => {
    const models = new EdgeModels(kc, ns);
    await models.create("traced", {
      placement: { nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" } },
    });
    await eventually("traced Ready", async () => {
      const m = await models.get("traced");
      return converged(m) && m?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined;
    });
    // The reconcile records its Events once its status write has returned and ends its span after
    // that: the test may read the Ready status first.
    const spans = await eventually("the synced reconcile's span and its Ready Event", async () => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === "reconcile" && s.attributes["edgefleet.key"] === `${ns}/traced`);
      const synced = found.some((s) => s.attributes["edgefleet.outcome"] === "synced");
      return synced && recorded.some((e) => e.reason === "Ready") ? found : undefined;
    });
    expect(spans.every((s) => s.attributes["edgefleet.controller"] === "edgemodel" && s.endTime[0] + s.endTime[1] > 0)).toBe(true);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="edgemodel",result="success"\} [1-9]/);
    expect(metrics).toMatch(/edgefleet_reconcile_outcomes_total\{outcome="synced"\} [1-9]/);
  });
});
