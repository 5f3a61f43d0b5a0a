import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANAGER } from "@edgefleet/api";
import { type OtelCollector, type ReceivedSpan, startOtelCollector } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { converged, EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { OperatorProcess } from "./operator-process.js";
import { operatorNamespace } from "./service-account.js";

/*
 * The operator as shipped, its traces configured only by the standard OTEL_* variables, sending
 * OTLP/HTTP to a real OpenTelemetry Collector (the toolchain's otelcol-edgefleet), whose file
 * exporter writes what it received.
 */

const { kc, core } = testCluster();
const PLACEMENT = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" },
  maxNodesPerClass: 1,
};

let dir: string;
let ns: string;
let collector: OtelCollector;
let operator: OperatorProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgefleet-otlp-"));
  collector = await startOtelCollector({ dir });
  await installApi(kc);
  let kubeconfig: string;
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-otlp"));
  operator = new OperatorProcess({
    kubeconfig,
    namespace: ns,
    identity: "traced",
    extra: ["--log-level", "debug"],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_BSP_SCHEDULE_DELAY: "200",
    },
  });
  await operator.port();
});

afterAll(async () => {
  await operator?.stop();
  await collector?.service.dispose();
  if (ns) await core.deleteNamespace({ name: ns }).catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("traces over OTLP", () => {
  it("delivers a reconcile's spans to the collector with the operator's service name and the trace id it logged", async () => {
    const models = new EdgeModels(kc, ns);
    await models.create("otlp", { placement: PLACEMENT });
    await eventually("otlp converged", async () => (converged(await models.get("otlp")) ? true : undefined));

    const logged = await operator.waitForLog("reconciled");
    expect(logged.key).toBe(`${ns}/otlp`);
    const traceId = String(logged.trace_id);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const trace = await eventually("the reconcile's trace at the collector", async () => {
      const spans = collector.spans().filter((s) => s.traceId === traceId);
      return spans.some((s) => s.name === "reconcile") ? spans : undefined;
    });
    const reconcile = trace.find((s) => s.name === "reconcile") as ReceivedSpan;
    expect(reconcile.resource["service.name"]).toBe(MANAGER);
    expect(reconcile.attributes["edgefleet.key"]).toBe(logged.key);
    expect(reconcile.spanId).toBe(logged.span_id);
    // Planning and the API writes of that reconcile are its children, in the same trace.
    const children = trace.filter((s) => s.parentSpanId === reconcile.spanId).map((s) => s.name);
    expect(children).toContain("plan");
    expect(children.some((n) => /^(PATCH|POST|PUT) /.test(n))).toBe(true);
  });
});
