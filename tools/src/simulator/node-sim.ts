import { join } from "node:path";
import type { AgentOptions, FetcherOptions, InferenceTarget, RuntimeWorkload } from "@edgefleet/edge-agent";
import {
  ArtifactCache,
  cachedEvaluation,
  EvaluationStore,
  FailureReporter,
  Installer,
  LatencyProber,
  type RunningAgent,
  startAgent,
} from "@edgefleet/edge-agent";
import { type Clock, type Logger, systemClock } from "@edgefleet/kit";
import {
  type RuntimeInstance,
  type SharedServerInstance,
  startLoaderInstance,
  startRuntimeInstance,
  startSharedServer,
} from "./runtime-instance.js";
import { programFor, type RuntimePrograms } from "./runtime-program.js";

/** Reads the PEM public key a signed variant references (a Secret in the model's namespace). */
export type PublicKeyResolver = (namespace: string, ref: { name: string; key: string }) => Promise<string>;

export interface NodeSimulationOptions {
  /** The agent's options for this node; the simulator fills identity, spool and ports. */
  readonly agent: AgentOptions;
  /** The node's artifact cache lives here. */
  readonly dir: string;
  readonly fetchers: FetcherOptions;
  readonly publicKey: PublicKeyResolver;
  readonly probeIntervalMs: number;
  /** The bundled runtimes the node's model versions run in, by the EdgeRuntime serving each (runtimePrograms()). */
  readonly runtimePrograms: RuntimePrograms;
  /** The node's agent, prober and artifact cache run on it. */
  readonly clock?: Clock;
  readonly log: Logger;
  /** The simulated sensor's load where a test steers it (SIMULATED_LOAD_ANNOTATION); undefined: the agent's own wave. */
  readonly load?: () => number | undefined;
}

const modelKey = (w: { namespace: string; model: string }) => `${w.namespace}/${w.model}`;

/**
 * One simulated edge node: the real edge agent (simulated sensors), the real artifact installer
 * with the node's own verified cache, and for each model the node is asked to run, a real runtime
 * serving the verified file: the OpenVINO runtime for OpenVINO IR, the CPU runtime otherwise. Like a device, a node serves one version per model and keeps
 * it when a new version's artifact is refused.
 */
export class NodeSimulation {
  private agent: RunningAgent | undefined;
  private readonly runtimes = new Map<string, RuntimeInstance>();
  /** Shared runtimes' servers on the node, by namespace/server: one process for the models loaded into it. */
  private readonly servers = new Map<string, Promise<SharedServerInstance>>();
  private readonly prober: LatencyProber;
  private readonly reporter: FailureReporter;
  private readonly installer: Installer;
  private readonly cache: ArtifactCache;
  /** The newest desired workloads; apply() calls run one at a time and always converge on this. */
  private desired: readonly RuntimeWorkload[] = [];
  private applying: Promise<void> | undefined;
  private dirty = false;
  /** Refusals already reported for a model version: a device does not retry a bad artifact in a loop. */
  private readonly refused = new Set<string>();
  private readonly clock: Clock;

  constructor(private readonly options: NodeSimulationOptions) {
    const log = options.log;
    this.clock = options.clock ?? systemClock;
    this.reporter = new FailureReporter(log);
    this.cache = ArtifactCache.open({ root: join(options.dir, "artifacts"), clock: this.clock });
    const { evaluationSamples, evaluationMaxBytes } = options.agent;
    this.installer = new Installer({ cache: this.cache, fetchers: options.fetchers, reporter: this.reporter, log, evaluationMaxBytes });
    // The installer stores each variant's evaluation data in the node's cache, where the agent reads it.
    const store = new EvaluationStore({
      read: cachedEvaluation(this.cache.root),
      maxBytes: evaluationMaxBytes,
      clock: this.clock,
      log,
    });
    this.prober = new LatencyProber({
      intervalMs: options.probeIntervalMs,
      ...(evaluationSamples > 0 ? { evaluation: { store, samplesPerRound: evaluationSamples } } : {}),
      clock: this.clock,
      log,
    });
  }

  get node(): string {
    return this.options.agent.node;
  }

  /** What this node serves now, by model: the version and runtime URL. */
  serving(): { model: string; version: string; baseUrl: string }[] {
    return [...this.runtimes].map(([model, r]) => ({ model, version: r.version, baseUrl: r.baseUrl }));
  }

  async start(): Promise<void> {
    this.agent = await startAgent(this.options.agent, {
      log: this.options.log,
      inference: this.prober,
      artifacts: this.reporter,
      clock: this.clock,
      ...(this.options.load ? { simulatedLoad: this.options.load } : {}),
    });
    this.prober.start();
  }

  /** Asks the node to run these workloads; resolves when it has caught up with the latest ask. */
  apply(workloads: readonly RuntimeWorkload[]): Promise<void> {
    this.desired = workloads;
    this.dirty = true;
    this.applying ??= this.drain().finally(() => {
      this.applying = undefined;
    });
    return this.applying;
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      await this.converge(this.desired);
    }
  }

  private async converge(workloads: readonly RuntimeWorkload[]): Promise<void> {
    const wanted = new Map(workloads.map((w) => [modelKey(w), w]));
    const removed = [...this.runtimes].filter(([key]) => !wanted.has(key));
    for (const [key] of removed) this.runtimes.delete(key);
    if (removed.length)
      await this.retire(
        wanted,
        removed.map(([, runtime]) => runtime),
      );
    for (const [key, workload] of wanted) {
      const current = this.runtimes.get(key);
      // The same file in the same way: a model moving between its own runtime and a shared server starts again.
      if (current?.sha256 === workload.artifact.sha256 && current.version === workload.version && current.server === workload.server)
        continue;
      await this.install(key, workload, wanted);
    }
    this.retarget(wanted);
    await this.stopIdleServers(wanted);
  }

  /** A shared server no model on the node loads into any more stops, as the operator deletes its DaemonSet. */
  private async stopIdleServers(wanted: ReadonlyMap<string, RuntimeWorkload>): Promise<void> {
    const used = new Set([...wanted.values()].flatMap((w) => (w.server ? [`${w.namespace}/${w.server}`] : [])));
    for (const [key, server] of [...this.servers]) {
      if (used.has(key)) continue;
      this.servers.delete(key);
      await (await server.catch(() => undefined))?.close();
    }
  }

  /** The node's server of a Shared runtime, started on first use. */
  private server(w: RuntimeWorkload & { server: string }): Promise<SharedServerInstance> {
    const key = `${w.namespace}/${w.server}`;
    let server = this.servers.get(key);
    if (!server) {
      server = startSharedServer({
        name: key,
        program: this.options.runtimePrograms.cpu,
        logFile: join(this.options.dir, `server-${w.namespace}-${w.server}.log`),
        log: this.options.log,
      });
      // A server that did not start is started again at the next use.
      server.catch(() => this.servers.delete(key));
      this.servers.set(key, server);
    }
    return server;
  }

  /** The process serving w's verified file: its own runtime, or a model loader into the node's shared server. */
  private async startServing(w: RuntimeWorkload, active: { version: string; sha256: string; path: string }): Promise<RuntimeInstance> {
    const options = {
      ...w,
      version: active.version,
      sha256: active.sha256,
      path: active.path,
      logFile: join(this.options.dir, `runtime-${w.namespace}-${w.model}.log`),
      log: this.options.log,
    };
    if (!w.server) return startRuntimeInstance({ ...options, program: programFor(this.options.runtimePrograms, w.runtime) });
    // The simulator's servers are the CPU runtime, which loads ONNX files, the format of every
    // artifact it serves on a CPU (TensorRT variants included, as per-model runtimes do).
    const server = await this.server({ ...w, server: w.server });
    return startLoaderInstance({ ...options, program: this.options.runtimePrograms.loader, server, serverName: w.server, format: "onnx" });
  }

  /**
   * Moves the prober off runtimes and then stops them, once no probe of theirs is in flight: a
   * device does not count a runtime it retired on purpose as failing.
   */
  private async retire(wanted: ReadonlyMap<string, RuntimeWorkload>, runtimes: readonly RuntimeInstance[]): Promise<void> {
    this.retarget(wanted);
    await this.prober.settled();
    for (const runtime of runtimes) await runtime.close();
  }

  private retarget(wanted: ReadonlyMap<string, RuntimeWorkload>): void {
    this.prober.setTargets([...wanted].flatMap(([key, w]) => this.target(key, w)));
  }

  private target(key: string, w: RuntimeWorkload): InferenceTarget[] {
    const runtime = this.runtimes.get(key);
    if (!runtime) return [];
    // Labelled with what actually runs: after a refusal that is the version the node kept.
    const variant = runtime.version === w.version ? w.variant : "kept";
    // The runtime's own timing of each inference, on its process's CPU clock: a simulated fleet
    // shares one machine, and the HTTP round trip would add the whole machine's queueing to every
    // device's latency.
    return [
      {
        baseUrl: runtime.baseUrl,
        namespace: w.namespace,
        model: w.model,
        version: runtime.version,
        ...(runtime.servedVersion ? { servedVersion: runtime.servedVersion } : {}),
        variant,
        runtime: w.runtime,
        runtimeMetrics: true,
        // The evaluation data of the version that runs: a kept version's is not known here.
        ...(w.evaluation && runtime.version === w.version ? { evaluation: w.evaluation } : {}),
      },
    ];
  }

  /** Installs and starts w's version; the prober moves to it before the old runtime closes. */
  private async install(key: string, w: RuntimeWorkload, wanted: ReadonlyMap<string, RuntimeWorkload>): Promise<void> {
    const attempt = `${key}@${w.version}#${w.artifact.sha256}`;
    if (this.refused.has(attempt)) return;
    const { signatureUri, publicKeyRef, publicKeys, scopedOnly } = w.artifact;
    let signature: { uri: string; publicKeyPem: string; scopedOnly?: boolean } | undefined;
    if (signatureUri && publicKeys) signature = { uri: signatureUri, publicKeyPem: publicKeys, ...(scopedOnly ? { scopedOnly } : {}) };
    else if (signatureUri && publicKeyRef) {
      try {
        signature = { uri: signatureUri, publicKeyPem: await this.options.publicKey(w.namespace, publicKeyRef) };
      } catch (err) {
        this.options.log.warn("cannot read the artifact's public key; will retry", { model: key, error: String(err) });
        return;
      }
    }
    const outcome = await this.installer.install({
      namespace: w.namespace,
      model: w.model,
      version: w.version,
      variant: w.variant,
      artifact: { uri: w.artifact.uri, sha256: w.artifact.sha256, sizeBytes: w.artifact.sizeBytes, ...(signature ? { signature } : {}) },
      ...(w.evaluation ? { evaluation: { uri: w.evaluation.uri, sha256: w.evaluation.sha256 } } : {}),
    });
    if (!outcome.installed) {
      if (outcome.refusal.reason !== "download-failed") this.refused.add(attempt);
      return;
    }
    const active = this.cache.active(w.namespace, w.model);
    if (!active) return;
    const next = await this.startServing(w, active);
    const previous = this.runtimes.get(key);
    this.runtimes.set(key, next);
    if (previous) await this.retire(wanted, [previous]);
    else this.retarget(wanted);
  }

  async stop(): Promise<void> {
    await this.applying;
    await this.prober.stop();
    await this.agent?.stop();
    for (const runtime of this.runtimes.values()) await runtime.close();
    this.runtimes.clear();
    await this.stopIdleServers(new Map());
  }
}
