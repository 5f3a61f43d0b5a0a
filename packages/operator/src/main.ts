#!/usr/bin/env -S node --import tsx
import { MANAGER } from "@edgefleet/api";
import { EventLoopLag, jsonLogger, listen, liveness, onShutdown, optionsOrExitCode, probeServer, startTracing } from "@edgefleet/kit";
import { KubeClient, LeaderElector, loadCredentials } from "@edgefleet/kube";
import { Registry } from "prom-client";
import { AssignmentPublisher } from "./assignments/publisher.js";
import { BuildController } from "./build/controller.js";
import { BUILD_CONTROLLER_NAME } from "./build/resources.js";
import type { ControllerBasics } from "./controller/basics.js";
import { CONTROLLER_NAME, EdgeModelController } from "./controller/controller.js";
import { apiEventRecorder } from "./controller/events.js";
import { FederatedTrainingController } from "./federated/controller.js";
import { FEDERATED_CONTROLLER, operatorMetrics } from "./observe/metrics.js";
import { HELP, parseOptions } from "./options.js";
import type { RegistryTrust } from "./registry-trust.js";
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
    inProgress: () => controller.loop.inProgress(),
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
  // Rollout analysis and federated eligibility read the same Prometheus.
  const metricsSource = opts.prometheusUrl
    ? createMetricsSource({
        type: "prometheus",
        url: opts.prometheusUrl,
        timeoutMs: opts.prometheusTimeoutSeconds * 1000,
        tracer: trace.tracer,
      })
    : undefined;
  const events = (name: string) =>
    apiEventRecorder({ client, controller: `edgefleet.io/${name}`, instance: opts.identity, log, observe: metrics.events });
  /** What each controller is given alike; the EdgeModel controller logs as the operator itself. */
  const basics = (name: string, logger = log.with({ controller: name })): ControllerBasics => ({
    client,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    workers: opts.workers,
    fieldManager: MANAGER,
    events: events(name),
    log: logger,
    tracer: trace.tracer,
    watchTimeoutSeconds: opts.watchTimeoutSeconds,
  });
  const registryTrust: RegistryTrust = {
    ...(opts.artifactCaBundle === undefined ? {} : { caBundle: opts.artifactCaBundle }),
    plainHttpRegistries: opts.artifactPlainHttpRegistries,
  };
  const controller = new EdgeModelController({
    ...basics(CONTROLLER_NAME, log),
    ...(opts.trustPolicySelector ? { trustPolicySelector: opts.trustPolicySelector } : {}),
    metrics,
    ...(metricsSource ? { metricsSource } : {}),
    analysisIntervalMs: opts.analysisIntervalSeconds * 1000,
    verifier: {
      image: opts.agentImage,
      ...registryTrust,
      ...(opts.artifactInstallDeadlineSeconds === undefined ? {} : { installDeadlineSeconds: opts.artifactInstallDeadlineSeconds }),
    },
  });
  const federated: FederatedTrainingController = new FederatedTrainingController({
    ...basics(FEDERATED_CONTROLLER),
    recorders: metrics.federatedController(opts.workers, () => federated.loop.inProgress()),
    informerMetrics: metrics.informers,
    metrics: metrics.federated,
    ...(metricsSource ? { metricsSource } : {}),
    // spec.build's pushes reach the registry as artifact installs and builds do.
    coordinator: registryTrust,
  });
  const builds: BuildController = new BuildController({
    ...basics(BUILD_CONTROLLER_NAME),
    recorders: metrics.buildController(opts.workers, () => builds.loop.inProgress()),
    metrics: { ...metrics.builds, informers: metrics.informers, outcomes: metrics.outcomes },
    job: { image: opts.buildImage, ...registryTrust },
  });
  // Started with the lead: only the leader publishes (docs/agent.md).
  const assignments =
    opts.assignments &&
    new AssignmentPublisher({
      client,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      site: opts.assignments.site,
      broker: opts.assignments,
      log,
      informerMetrics: metrics.informers,
      published: metrics.assignments,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
    });
  if (!assignments) log.warn("no --mqtt-url: no runtime assignments are published, so agents probe no runtime");
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
      () =>
        controller.loop.informerProblem(opts.informerDownTimeoutMs) ??
        federated.loop.informerProblem(opts.informerDownTimeoutMs) ??
        builds.loop.informerProblem(opts.informerDownTimeoutMs),
    ),
    ready: () => controller.loop.synced && federated.loop.synced && builds.loop.synced,
  });
  const port = await listen(server, opts.httpAddress);
  log.info("serving /metrics, /healthz and /readyz", { port, namespace: opts.namespace ?? "(all)" });

  const lead = () => {
    setLeader(true);
    assignments?.start();
    Promise.all([controller.lead(), federated.lead(), builds.lead()]).catch((err: unknown) => {
      log.error("controller failed to start", { error: String(err) });
      process.exit(1);
    });
  };
  let stopping = false;
  if (elector) {
    elector.start({
      onStartedLeading: lead,
      onStoppedLeading: () => {
        // Draining on a SIGTERM already: no write leaves past the deadline (mayWrite), and the shutdown ends as asked.
        if (stopping) log.warn("leadership lapsed while shutting down; the shutdown goes on");
        // The renew deadline passed: a standby may lead once the lease expires (1 s later by default), so stop at once rather than drain.
        else process.exit(1);
      },
    });
  } else lead();

  return onShutdown({
    log,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      stopping = true;
      // Finish in-flight reconciles before handing the lease over, so two instances never act at once.
      await Promise.all([controller.stop(), federated.stop(), builds.stop(), assignments?.stop()]);
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
