import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ACCELERATORS, ARCHITECTURES, FEDERATED_LABELS, LABELS } from "@edgefleet/api";
import type { AgentOptions, FetcherOptions } from "@edgefleet/edge-agent";
import { workloadsByNode } from "@edgefleet/edge-agent";
import { type Clock, type Logger, systemClock } from "@edgefleet/kit";
import type { KubeClient, KubeObject } from "@edgefleet/kube";
import { Informer, type InformerMetrics, RESOURCES } from "@edgefleet/kube";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { loadToolchain } from "../cluster/toolchain.js";
import { LABELS as FLEET_LABELS } from "../fleet/nodes.js";
import { BUILD_NODE_LABEL, BuildPods } from "./build-pods.js";
import { FederatedPods } from "./fl-pods.js";
import { NodeSimulation, type PublicKeyResolver } from "./node-sim.js";
import { type RuntimePrograms, runtimePrograms } from "./runtime-program.js";

/** The inventory a device would detect, from the labels the fleet profile gave its node. */
export function hardwareOf(labels: Readonly<Record<string, string>>): Pick<AgentOptions, "arch" | "accelerators"> {
  const arch = ARCHITECTURES.find((a) => a === labels[LABELS.arch]);
  const main = ACCELERATORS.find((a) => a !== "cpu" && a === labels[LABELS.accelerator]);
  return { arch, accelerators: main ? [main, "cpu"] : ["cpu"] };
}

const RESYNC_MS = 30_000;

/** Agent settings shared by every simulated node; identity, spool and ports are per node. */
export type SharedAgentOptions = Omit<AgentOptions, "site" | "node" | "hardwareClass" | "spoolDir" | "httpAddress" | "simulatedSeed">;

export interface FleetSimulationOptions {
  readonly client: KubeClient;
  /** Nodes carrying this label selector are simulated (default: the local fleet's nodes). */
  readonly nodeSelector?: string;
  readonly agent: SharedAgentOptions;
  /** Per-node state (spools, artifact caches) lives under here. */
  readonly dir: string;
  readonly fetchers: FetcherOptions;
  /** Writes a node's MQTT client identity into its directory: the TLS files its agent uses. */
  readonly identity: ((node: string, dir: string) => AgentOptions["tls"]) | undefined;
  readonly probeIntervalMs: number;
  readonly log: Logger;
  /** Coalesces bursts of pod events (a DaemonSet rolling 20 pods) into one pass. */
  readonly debounceMs?: number;
  /**
   * Registers a build node of this name and runs its EdgeModelBuild pods (build-pods.ts). Off by
   * default: the planner places EdgeModels without a nodeSelector on every node, this one included.
   */
  readonly buildNode?: string;
  /** The one clock the simulation and every simulated node run on. */
  readonly clock?: Clock;
}

/**
 * On a simulated node: its devices' load, 0 to 1 (CPU utilization, and so power and temperature:
 * edge-agent's simulated sensor), instead of the agent's slow wave; read at every sensor read, so
 * `kubectl annotate node NAME sim.edgefleet.io/load=0.97 --overwrite` takes effect at once and
 * removing it hands back to the wave. What tests steer eligibility (CPU load, temperature, throttling) with.
 */
export const SIMULATED_LOAD_ANNOTATION = "sim.edgefleet.io/load";

/**
 * On a simulated node: "true" takes its device offline, as a device losing power or its network
 * would: its agent, runtimes and training clients stop (the agent says so first, so the gateway's
 * edgefleet_device_up falls to 0), and come back as a fresh start once the annotation is removed.
 * What tests steer eligibility on recent disconnects with.
 */
export const SIMULATED_OFFLINE_ANNOTATION = "sim.edgefleet.io/offline";

/** The annotation's load, or undefined (the wave) when it is absent or not a number from 0 to 1. */
export function steeredLoad(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const load = Number(value);
  return Number.isFinite(load) && load >= 0 && load <= 1 ? load : undefined;
}

const quietMetrics: InformerMetrics = { restarted: () => {}, event: () => {}, objects: () => {} };

/**
 * Runs a simulated device for every fleet node of the local cluster, and on each the runtimes
 * for the operator's pods bound to it. Level-based: every pass compares all nodes and pods with
 * what runs, whatever events led to it.
 */
export class FleetSimulation {
  private readonly nodes: Informer<KubeObject & V1Node>;
  private readonly pods: Informer<KubeObject & V1Pod>;
  private readonly sims = new Map<string, NodeSimulation>();
  private cancelPass: (() => void) | undefined;
  private cancelResync: (() => void) | undefined;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly clock: Clock;
  private programs: RuntimePrograms | undefined;
  private readonly federated: FederatedPods;
  /** The build node, whose EdgeModelBuild Job pods run as processes, when asked for. */
  private readonly builds: BuildPods | undefined;

  constructor(private readonly options: FleetSimulationOptions) {
    this.clock = options.clock ?? systemClock;
    this.federated = new FederatedPods({
      client: options.client,
      dir: options.dir,
      toolchain: loadToolchain,
      log: options.log,
      changed: () => this.schedule(0),
    });
    const shared = { client: options.client, log: options.log, metrics: quietMetrics, transform: (o: KubeObject) => o, clock: this.clock };
    const handlers = { added: () => this.schedule(), updated: () => this.schedule(), deleted: () => this.schedule() };
    this.nodes = new Informer({
      ...shared,
      resource: RESOURCES.nodes,
      labelSelector: options.nodeSelector ?? FLEET_LABELS.profile,
      handlers,
    }) as Informer<KubeObject & V1Node>;
    this.pods = new Informer({
      ...shared,
      resource: RESOURCES.pods,
      labelSelector: "app.kubernetes.io/managed-by=edgefleet-operator",
      handlers,
    }) as Informer<KubeObject & V1Pod>;
    const node = options.buildNode;
    const labels = { [BUILD_NODE_LABEL]: "true" };
    this.builds = node
      ? new BuildPods({ client: options.client, node, labels, tainted: true, dir: options.dir, log: options.log, metrics: quietMetrics })
      : undefined;
  }

  async start(): Promise<void> {
    const log = this.options.log;
    this.programs = await runtimePrograms();
    log.info("runtimes bundled", { programs: Object.values(this.programs).map((p) => p.path) });
    this.nodes.start();
    this.pods.start();
    await Promise.all([this.nodes.synced(), this.pods.synced()]);
    log.info("caches synced", { nodes: this.nodes.list().length, pods: this.pods.list().length });
    await this.builds?.start();
    this.schedule(0);
    // Level-based: a periodic pass retries what failed (an unreachable registry, a Secret not yet
    // there) even when no event arrives.
    this.cancelResync = this.clock.setInterval(() => this.schedule(0), RESYNC_MS);
    await this.pass;
  }

  /** What every node serves now: node -> model -> version. */
  serving(): Map<string, Map<string, string>> {
    return new Map([...this.sims].map(([node, sim]) => [node, new Map(sim.serving().map((s) => [s.model, s.version]))]));
  }

  private schedule(delayMs = this.options.debounceMs ?? 200): void {
    if (this.stopped || this.cancelPass) return;
    this.cancelPass = this.clock.setTimer(() => {
      this.cancelPass = undefined;
      this.pass = this.pass
        .then(() => this.reconcile())
        .catch((err) => this.options.log.error("simulation pass failed", { error: String(err) }));
    }, delayMs);
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const nodes = this.nodes.list().filter((n) => n.metadata?.annotations?.[SIMULATED_OFFLINE_ANNOTATION] !== "true");
    const wanted = new Set(nodes.map((n) => n.metadata?.name ?? ""));
    // FederatedTraining pods on these nodes run as Flower processes (fl-pods.ts); the others are runtimes.
    const federated = (p: V1Pod) => p.metadata?.labels?.[FEDERATED_LABELS.job] !== undefined;
    await this.federated.apply(this.pods.list().filter((p) => federated(p) && wanted.has(p.spec?.nodeName ?? "")));
    const { byNode, problems } = workloadsByNode(this.pods.list().filter((p) => !federated(p)));
    for (const p of problems) this.options.log.warn("runtime pod not simulated", { ...p });
    for (const [name, sim] of [...this.sims]) {
      if (wanted.has(name)) continue;
      this.sims.delete(name);
      await sim.stop();
      this.options.log.info(this.nodes.get(name) ? "node offline" : "node left the fleet", { node: name });
    }
    await Promise.all(
      nodes.map(async (node, index) => {
        const name = node.metadata?.name ?? "";
        let sim = this.sims.get(name);
        if (!sim) {
          sim = this.simulate(node, index);
          this.sims.set(name, sim);
          await sim.start();
        }
        await sim.apply(byNode.get(name) ?? []);
      }),
    );
  }

  private simulate(node: V1Node, index: number): NodeSimulation {
    const name = node.metadata?.name ?? "";
    const labels = node.metadata?.labels ?? {};
    const dir = join(this.options.dir, name);
    mkdirSync(dir, { recursive: true });
    const log = this.options.log.with({ node: name });
    return new NodeSimulation({
      agent: {
        ...this.options.agent,
        site: labels[FLEET_LABELS.site] ?? "local",
        node: name,
        hardwareClass: labels[FLEET_LABELS.hardwareClass] ?? "unknown",
        ...hardwareOf(labels),
        spoolDir: join(dir, "spool"),
        ...(this.options.identity ? { tls: this.options.identity(name, dir) } : {}),
        httpAddress: "127.0.0.1:0",
        simulatedSeed: index + 1,
      },
      dir,
      fetchers: this.options.fetchers,
      publicKey: this.publicKey,
      probeIntervalMs: this.options.probeIntervalMs,
      runtimePrograms: this.started(),
      clock: this.clock,
      log,
      load: () => steeredLoad(this.nodes.get(name)?.metadata?.annotations?.[SIMULATED_LOAD_ANNOTATION]),
    });
  }

  /** The runtime programs, which start() bundles before any node is simulated. */
  private started(): RuntimePrograms {
    if (!this.programs) throw new Error("FleetSimulation: nodes are simulated only after start()");
    return this.programs;
  }

  private readonly publicKey: PublicKeyResolver = async (namespace, ref) => {
    const secret = await this.options.client.request<{ data?: Record<string, string> }>({
      method: "GET",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(ref.name)}`,
    });
    const value = secret.data?.[ref.key];
    if (value === undefined) throw new Error(`secret ${namespace}/${ref.name} has no key ${ref.key}`);
    return Buffer.from(value, "base64").toString("utf8");
  };

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPass?.();
    this.cancelResync?.();
    await Promise.all([this.nodes.stop(), this.pods.stop(), this.builds?.stop()]);
    await this.pass;
    await Promise.all([...this.sims.values()].map((sim) => sim.stop()));
    this.sims.clear();
    await this.federated.stop();
  }
}
