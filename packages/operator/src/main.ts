#!/usr/bin/env -S node --import tsx
import { MANAGER } from "@edgefleet/api";
import { EventLoopLag, jsonLogger, listen, liveness, onShutdown, optionsOrExitCode, probeServer, startTracing } from "@edgefleet/kit";
import { KubeClient, LeaderElector, loadCredentials } from "@edgefleet/kube";
import { Registry } from "prom-client";
import { CONTROLLER_NAME, EdgeModelController } from "./controller/controller.js";
import { apiEventRecorder } from "./controller/events.js";
import { operatorMetrics } from "./observe/metrics.js";
import { HELP, parseOptions } from "./options.js";
import { createMetricsSource } from "./rollout/metrics-source.js";

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(argv: string[]): Promise<number> {
  // Bad OTEL_* settings are usage errors too: the help names the variables.
  const opts = await optionsOrExitCode(
    HELP,
    () => parseOptions(argv),
    async (o) => ({ ...o, trace: await startTracing(MANAGER) }),
  );
  if (typeof opts === "number") return opts;
  const { trace } = opts;
  const log = jsonLogger({ level: opts.logLevel }).with({ identity: opts.identity });
  const credentials = await loadCredentials(opts.kubeconfig);

  const registry = new Registry();
  // inProgress is read at scrape time, and the server below starts after the controller exists.
  const metrics = operatorMetrics(registry, {
    controller: CONTROLLER_NAME,
    workers: opts.workers,
    inProgress: () => controller.inProgress(),
  });
  const observe = metrics.kubeClient;
  // Lease traffic has a client (and rate limit) of its own, so renewals never queue behind reconciles.
  const leaseClient = new KubeClient({ credentials, qps: 10, burst: 10, observe });
  const elector = opts.leaderElect
    ? new LeaderElector({
        client: leaseClient,
        namespace: opts.leaderElectionNamespace,
        name: opts.leaderElectionId,
        identity: opts.identity,
        leaseDurationSeconds: opts.leaseDurationSeconds,
        renewDeadlineMs: opts.renewDeadlineMs,
        retryPeriodMs: opts.retryPeriodMs,
        log,
      })
    : undefined;
  const client = new KubeClient({
    credentials,
    qps: opts.kubeQps,
    burst: opts.kubeBurst,
    observe,
    tracer: trace.tracer,
    // Past the renew deadline no write leaves, even one a reconcile issues before the step-down timer has run.
    ...(elector ? { mayWrite: () => elector.leading } : {}),
  });
  const controller = new EdgeModelController({
    client,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...(opts.trustPolicySelector ? { trustPolicySelector: opts.trustPolicySelector } : {}),
    workers: opts.workers,
    fieldManager: MANAGER,
    events: apiEventRecorder({
      client,
      controller: `edgefleet.io/${CONTROLLER_NAME}`,
      instance: opts.identity,
      log,
      observe: metrics.events,
    }),
    log,
    metrics,
    tracer: trace.tracer,
    watchTimeoutSeconds: opts.watchTimeoutSeconds,
    ...(opts.prometheusUrl
      ? {
          metricsSource: createMetricsSource({
            type: "prometheus",
            url: opts.prometheusUrl,
            timeoutMs: opts.prometheusTimeoutSeconds * 1000,
            tracer: trace.tracer,
          }),
        }
      : {}),
    analysisIntervalMs: opts.analysisIntervalSeconds * 1000,
    verifier: {
      image: opts.agentImage,
      ...(opts.artifactCaBundle === undefined ? {} : { caBundle: opts.artifactCaBundle }),
      plainHttpRegistries: opts.artifactPlainHttpRegistries,
    },
  });
  log.info("rollout analysis", {
    source: opts.prometheusUrl ?? "none: steps advance on their pause alone",
    intervalSeconds: opts.analysisIntervalSeconds,
  });

  const setLeader = metrics.leader;

  const loop = new EventLoopLag({ maxLagMs: opts.maxEventLoopLagMs }).start();
  const server = probeServer({
    registry,
    healthy: liveness(
      log,
      () => loop.problem(),
      () => controller.informerProblem(opts.informerDownTimeoutMs),
    ),
    ready: () => controller.synced,
  });
  const port = await listen(server, opts.httpAddress);
  log.info("serving /metrics, /healthz and /readyz", { port, namespace: opts.namespace ?? "(all)" });

  const lead = () => {
    setLeader(true);
    controller.lead().catch((err: unknown) => {
      log.error("controller failed to start", { error: String(err) });
      process.exit(1);
    });
  };
  if (elector) {
    elector.start({
      onStartedLeading: lead,
      // The renew deadline passed: a standby may lead once the lease expires (1 s later by default), so stop at once rather than drain.
      onStoppedLeading: () => process.exit(1),
    });
  } else lead();

  return onShutdown({
    log,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      // Finish in-flight reconciles before handing the lease over, so two instances never act at once.
      await controller.stop();
      await elector?.stop();
      setLeader(false);
      await trace.shutdown();
      server.close();
      loop.stop();
      client.close();
      leaseClient.close();
      log.info("stopped");
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
