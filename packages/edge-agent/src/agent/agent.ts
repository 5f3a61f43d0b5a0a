import type { Server } from "node:http";
import { IMAGE_VERSION } from "@edgefleet/api";
import type { Clock, Logger } from "@edgefleet/kit";
import { exponentialBackoff, listen, Periodic, probeServer, systemClock } from "@edgefleet/kit";
import { assignmentsTopic, SCHEMA_VERSION } from "@edgefleet/telemetry";
import { cachedEvaluation, EvaluationStore } from "../inference/evaluation-store.js";
import { LatencyProber } from "../inference/prober.js";
import { MqttPublisher } from "../mqtt/publisher.js";
import { SpoolSender } from "../mqtt/sender.js";
import { nodeTopics } from "../mqtt/topics.js";
import { Spool } from "../spool/spool.js";
import { assignmentsHandler } from "./assignments.js";
import { type ArtifactSource, Collector, type InferenceSource } from "./collector.js";
import { readInferenceTargets } from "./inference-targets.js";
import { inventory } from "./inventory.js";
import { agentMetrics } from "./metrics.js";
import type { AgentOptions } from "./options.js";
import { sensorSet } from "./sensors.js";
import { SeqCounter } from "./seq.js";

export const AGENT_VERSION = IMAGE_VERSION;

/** Integrations the entry point wires when they exist on the node. */
export interface AgentDeps {
  readonly log: Logger;
  readonly inference?: InferenceSource;
  readonly artifacts?: ArtifactSource;
  /** The one clock every part of the agent runs on. */
  readonly clock?: Clock;
  readonly random?: () => number;
  /** The simulated sensor's load, when the caller steers it (sensors.ts); undefined readings fall back to the seed's wave. */
  readonly simulatedLoad?: () => number | undefined;
}

export interface RunningAgent {
  /** The port /metrics is served on. */
  readonly port: number;
  /** Clean shutdown: last message spooled, spool drained for a bounded time, death published. */
  stop(): Promise<void>;
}

/** Unhealthy once this many intervals pass without a completed read. */
const STALE_INTERVALS = 5;

export async function startAgent(options: AgentOptions, deps: AgentDeps): Promise<RunningAgent> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  // The latency prober over the targets file, unless the caller brings its own inference source.
  const probes = deps.inference === undefined && (options.inferenceTargets !== undefined || options.runtimeAssignments);
  // The runtimes' installs store the evaluation data in the node's cache; without it nothing is scored.
  const cacheDir = options.evaluationSamples > 0 ? options.artifactCacheDir : undefined;
  if (probes && options.evaluationSamples > 0 && cacheDir === undefined)
    log.info("evaluation scoring off: no --artifact-cache-dir to read evaluation data from; probing with synthetic inputs");
  const prober = probes
    ? new LatencyProber({
        targets: options.inferenceTargets === undefined ? [] : readInferenceTargets(options.inferenceTargets),
        intervalMs: options.probeIntervalMs,
        ...(cacheDir !== undefined
          ? {
              evaluation: {
                store: new EvaluationStore({
                  read: cachedEvaluation(cacheDir),
                  maxBytes: options.evaluationMaxBytes,
                  failed: () => metrics.evaluationFailures.inc(),
                  clock,
                  log,
                }),
                samplesPerRound: options.evaluationSamples,
              },
            }
          : {}),
        clock,
        log,
      })
    : undefined;
  const assignments =
    prober && options.runtimeAssignments
      ? {
          topic: assignmentsTopic(options.site, options.node),
          received: assignmentsHandler({
            log,
            update: (targets) => prober.setTargets(targets),
            rejected: (reason) => metrics.assignmentsRejected.inc({ reason }),
          }),
        }
      : undefined;
  const inference = deps.inference ?? prober;
  const spool = Spool.open({ dir: options.spoolDir, maxBytes: options.spoolMaxBytes, clock });
  const recovered = spool.stats();
  const seq = SeqCounter.open(options.spoolDir, spool);
  log.info("spool open", {
    dir: options.spoolDir,
    pending: recovered.pending,
    dropped: recovered.dropped.messages,
    nextSeq: seq.next,
    recovered: recovered.recovered,
  });

  let publisher: MqttPublisher | undefined;
  const sender = new SpoolSender({
    spool,
    clock,
    events: {
      published: (result) => metrics.publishes.inc({ result }),
      linkFailed: (err) => log.warn("publish failed without an answer; resending from the spool", { error: String(err) }),
      ackFailed: (err) => log.error("cannot record acknowledgements in the spool; messages will be sent again", { error: String(err) }),
    },
  });
  const metrics = agentMetrics({
    spool: () => spool.stats(),
    connected: () => publisher?.connected ?? false,
    inFlight: () => sender.inFlightCount,
  });
  const sensors = sensorSet({
    types: options.sensors,
    root: options.sysfsRoot,
    simulatedSeed: options.simulatedSeed,
    simulatedLoad: deps.simulatedLoad,
    clock,
  });
  const hardware = inventory({ ...options, sensors: options.sensors, root: options.sysfsRoot });
  log.info("inventory", { hardware });

  const collector = new Collector({
    topic: nodeTopics(options.site, options.node).telemetry,
    sensors,
    ...(inference ? { inference } : {}),
    ...(deps.artifacts ? { artifacts: deps.artifacts } : {}),
    spool,
    seq,
    sender,
    metrics,
    clock,
    log,
  });
  let lastRun = clock.now();
  const loop = new Periodic({
    intervalMs: options.intervalMs,
    clock,
    run: () => collector.collect(),
    ran: (seconds) => {
      lastRun = clock.now();
      metrics.loopDuration.observe(seconds);
    },
    overran: () => metrics.loopOverruns.inc(),
    failed: (err) => log.error("telemetry loop run failed", { error: String(err) }),
  });

  let attempts = 0;
  publisher = new MqttPublisher({
    url: options.brokerUrl,
    site: options.site,
    node: options.node,
    tls: options.tls,
    keepaliveSeconds: options.keepaliveSeconds,
    // A broker restart otherwise brings a whole site's agents back in lockstep; spreading each
    // retry over the whole window keeps the reconnect storm flat.
    backoff: exponentialBackoff({
      baseMs: options.reconnectMinDelayMs,
      maxMs: options.reconnectMaxDelayMs,
      jitter: "full",
      ...(deps.random ? { random: deps.random } : {}),
    }),
    window: options.maxInFlight,
    sender,
    ...(assignments ? { assignments } : {}),
    birth: () => ({ schemaVersion: SCHEMA_VERSION, timestamp: clock.wallMs(), agentVersion: AGENT_VERSION, hardware }),
    clock,
    log,
    events: {
      connecting: () => {
        metrics.connectAttempts.inc();
        if (attempts++ > 0) metrics.reconnects.inc();
      },
      birth: (reason) => metrics.births.inc({ reason }),
    },
  });

  const server: Server = probeServer({
    registry: metrics.registry,
    healthy: () => clock.now() - lastRun < STALE_INTERVALS * options.intervalMs,
    ready: () => true,
  });
  let port: number;
  try {
    port = await listen(server, options.httpAddress);
  } catch (err) {
    spool.close();
    throw err;
  }
  log.info("serving /metrics, /healthz and /readyz", { port });

  publisher.start();
  prober?.start();
  loop.start();
  void loop.runOnce();

  return {
    port,
    async stop() {
      await loop.stop();
      await prober?.stop();
      // The final batch: what the sensors read up to the signal goes to the spool too.
      await loop.runOnce();
      await publisher.stop(options.drainTimeoutMs);
      const left = spool.stats();
      seq.persist();
      spool.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info("stopped", { pendingMessages: left.pending, nextSeq: seq.next });
    },
  };
}
