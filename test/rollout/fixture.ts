import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import { variant } from "@edgefleet/api";
import { namedNodes } from "@edgefleet/operator";
import { freePort, type Prometheus, type ScrapeJob, Service, startPrometheus } from "@edgefleet/tools";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { eventually } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { EdgeModels } from "../operator/edgemodels.js";
import { installApi } from "../operator/install.js";
import { OperatorProcess } from "../operator/operator-process.js";
import { rawRequest } from "../operator/raw-api.js";
import { operatorNamespace } from "../operator/service-account.js";
import type { ExportedRefusal, ExportedSeries } from "./exporter.js";

/** Two hardware classes of four CPU nodes each: steps of 25, 50 and 100% put 1, 2 and 4 nodes per class on the new version. */
export const CLASSES = ["rollout-a", "rollout-b"] as const;
export const NODES_PER_CLASS = 4;
export const ONNX = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
export const GOOD_LATENCY = 0.02;
export const SLOW_LATENCY = 0.3;

/** The test's own exporter process, scraped by the real Prometheus. */
export class Exporter {
  constructor(
    readonly port: number,
    readonly service: Service,
  ) {}

  static async start(): Promise<Exporter> {
    const port = await freePort();
    const service = new Service({
      name: "rollout-exporter",
      command: process.execPath,
      args: ["--import", "tsx", "test/rollout/exporter.ts", "--port", String(port)],
      cwd: join(import.meta.dirname, "..", ".."),
      readiness: { tcpPort: port },
    });
    await service.start();
    return new Exporter(port, service);
  }

  async set(series: ExportedSeries[]): Promise<void> {
    await this.#post("/series", series);
  }

  /** Artifact refusal counters, each at its count from its first scrape on. */
  async refuse(refusals: ExportedRefusal[]): Promise<void> {
    await this.#post("/refusals", refusals);
  }

  async #post(path: string, body: unknown): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (res.status !== 204) throw new Error(`exporter refused ${path}: ${res.status}`);
  }
}

export interface RolloutSuite {
  readonly ns: string;
  readonly profile: string;
  readonly models: EdgeModels;
  operator: OperatorProcess;
  readonly prometheus?: Prometheus;
  readonly exporter?: Exporter;
  /** Node names per class. */
  readonly nodes: Record<string, string[]>;
  /** A real operator process for the suite's namespace (after a kill, a new one). */
  startOperator(identity: string): Promise<OperatorProcess>;
  addNode(hardwareClass: string, index: number): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * A namespace, a small fleet of the suite's own nodes, a real Prometheus scraping the suite's
 * exporter and the operator (whose node assignments analysis joins on) every second, and a real
 * operator that analyses rollouts every second; or, with `prometheus: "unreachable"`, an operator
 * pointed at a port nothing listens on.
 */
export async function startRolloutSuite(opts: {
  kc: KubeConfig;
  core: CoreV1Api;
  name: string;
  prometheus: "real" | "unreachable";
  /** More host:port targets for the real Prometheus, e.g. a real telemetry gateway. */
  scrape?: readonly ScrapeJob[];
}): Promise<RolloutSuite> {
  const { kc, core } = opts;
  await installApi(kc);
  // The operator runs as its ServiceAccount, with the RBAC the platform deploys.
  const { ns, kubeconfig } = await operatorNamespace(kc, core, `ro-${opts.name}`);
  const profile = `ro-${opts.name}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-rollout-"));
  const nodes: Record<string, string[]> = {};
  const created: string[] = [];

  const addNode = async (hardwareClass: string, index: number): Promise<string> => {
    const name = await addProfileNode(kc, { profile, hardwareClass, index });
    created.push(name);
    nodes[hardwareClass] = [...(nodes[hardwareClass] ?? []), name];
    return name;
  };
  for (const cls of CLASSES) for (let i = 1; i <= NODES_PER_CLASS; i++) await addNode(cls, i);

  let exporter: Exporter | undefined;
  let prometheus: Prometheus | undefined;
  let url: string;
  // Fixed, so Prometheus finds an operator restarted by a test where it found the first.
  const operatorAddress = `127.0.0.1:${await freePort()}`;
  if (opts.prometheus === "real") {
    exporter = await Exporter.start();
    prometheus = await startPrometheus({
      dir,
      interval: "1s",
      jobs: [
        { job: "gateway", targets: [`127.0.0.1:${exporter.port}`] },
        { job: "operator", targets: [operatorAddress] },
        ...(opts.scrape ?? []),
      ],
    });
    url = prometheus.url;
  } else {
    url = `http://127.0.0.1:${await freePort()}`;
  }
  const startOperator = async (identity: string) => {
    const operator = new OperatorProcess({
      kubeconfig,
      namespace: ns,
      identity,
      httpAddress: operatorAddress,
      extra: ["--prometheus-url", url, "--analysis-interval", "1", "--prometheus-timeout", "1"],
    });
    await operator.waitForLog("controller started");
    return operator;
  };
  const suite: RolloutSuite = {
    ns,
    profile,
    models: new EdgeModels(kc, ns),
    operator: await startOperator(`${opts.name}-1`),
    ...(prometheus ? { prometheus } : {}),
    ...(exporter ? { exporter } : {}),
    nodes,
    startOperator,
    addNode,
    async dispose() {
      for (const m of await suite.models.list()) await suite.models.delete(m.metadata.name ?? "");
      await eventually("models finalized", async () => ((await suite.models.list()).length === 0 ? true : undefined)).catch(() => {});
      await suite.operator.stop();
      await prometheus?.service.dispose();
      await exporter?.service.dispose();
      for (const name of created) await core.deleteNode({ name }).catch(() => {});
      await core.deleteNamespace({ name: ns }).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return suite;
}

async function send(kc: KubeConfig, method: "POST" | "PATCH", path: string, body: unknown): Promise<void> {
  const res = await rawRequest(kc, { method, path, body, ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.message}`);
}

/** A model on the suite's nodes with short pauses and windows, so a rollout takes seconds. */
export function rolloutSpec(profile: string, over: Partial<EdgeModelSpec> = {}): Partial<EdgeModelSpec> {
  return {
    version: "1.0",
    variants: [ONNX],
    placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
    slo: { p95LatencySeconds: 0.2, maxPowerWatts: 30, maxTemperatureCelsius: 85 },
    rollout: {
      steps: [25, 50, 100],
      pauseSeconds: 1,
      analysis: { windowSeconds: 5, minSamples: 10, maxFailures: 1, maxInconclusive: 2, latencyTolerance: 0.5 },
    },
    ...over,
  };
}

/**
 * Exported series for a model version on every node of each class: analysis counts those of the
 * nodes the operator placed the version on (edgefleet_rollout_assignment), wherever they are.
 */
export function seriesFor(suite: RolloutSuite, model: string, version: string, latencySeconds: number): ExportedSeries[] {
  return CLASSES.flatMap((cls) =>
    (suite.nodes[cls] ?? []).map((node) => ({
      namespace: suite.ns,
      model,
      version,
      hardwareClass: cls,
      node,
      latencySeconds,
      requestsPerSecond: 20,
      powerWatts: 12,
      temperatureCelsius: 61,
    })),
  );
}

/** Merge-patches an EdgeModel's annotations (null removes one). */
export async function annotate(kc: KubeConfig, ns: string, name: string, annotations: Record<string, string | null>): Promise<void> {
  await send(kc, "PATCH", `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels/${name}`, { metadata: { annotations } });
}

/** The nodes each class's canary DaemonSet of the model names. */
export async function canaries(models: EdgeModels, name: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await models.daemonSets()) {
    const labels = d.metadata?.labels ?? {};
    if (labels["edgefleet.io/model"] === name && labels["edgefleet.io/track"] === "canary") {
      out[labels["edgefleet.io/hardware-class"] ?? ""] = namedNodes(d) ?? ["(all)"];
    }
  }
  return out;
}

/** Waits for the model's rollout to reach a phase, returning the model. */
export function phase(models: EdgeModels, name: string, want: string, timeoutMs = 60_000): Promise<EdgeModel> {
  return eventually(
    `${name} rollout ${want}`,
    async () => {
      const m = await models.get(name);
      return m?.status?.rollout?.phase === want && m.status.observedGeneration === m.metadata.generation ? m : undefined;
    },
    timeoutMs,
  );
}

/**
 * Waits for the model's first version to be promoted and Ready (status.currentVersion), returning
 * the model. A first version is Promoted as soon as it is planned, before its pods are ready: a
 * test that changes the version before then starts a rollout from a model that never served.
 */
export function serving(models: EdgeModels, name: string, version: string, timeoutMs = 60_000): Promise<EdgeModel> {
  return eventually(
    `${name} serving ${version}`,
    async () => {
      const m = await models.get(name);
      return m?.status?.rollout?.phase === "Promoted" && m.status.currentVersion === version ? m : undefined;
    },
    timeoutMs,
  );
}

/** The model's DaemonSets as "name track version [nodes]". */
export async function workloads(models: EdgeModels, name: string): Promise<string[]> {
  return (await models.daemonSets())
    .filter((d) => d.metadata?.labels?.["edgefleet.io/model"] === name)
    .map((d) => {
      const terms = d.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      const named = namedNodes(d);
      const excluded = terms?.[0]?.matchFields?.filter((f) => f.operator === "NotIn").length ?? 0;
      const nodes = named ? ` In(${named.length})` : excluded ? ` NotIn(${excluded})` : "";
      return `${d.metadata?.labels?.["edgefleet.io/hardware-class"]} ${d.metadata?.labels?.["edgefleet.io/track"]} ${d.spec?.template.metadata?.labels?.["edgefleet.io/model-version"]}${nodes} ready=${d.status?.numberReady}`;
    })
    .sort();
}
