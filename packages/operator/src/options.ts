import { hostname } from "node:os";
import { registryList } from "@edgefleet/api";
import { certificateBundle, command, type Level, LOG_LEVEL_FLAG, MAX_EVENT_LOOP_LAG_FLAG, type Parsed, readFlagFile } from "@edgefleet/kit";
import { leaseTimingsProblem } from "@edgefleet/kube";
import { DEFAULT_AGENT_IMAGE } from "./planner/artifact-volume.js";

const CLI = command({
  usage: "node --import tsx packages/operator/src/main.ts [options]",
  about: `The edgefleet operator: places EdgeModels on the fleet's hardware classes as DaemonSets and
reports where they run in each EdgeModel's status.`,
  flags: {
    kubeconfig: { type: "string", arg: "FILE", help: "kubeconfig", defaultText: "$KUBECONFIG, ~/.kube/config, or in-cluster" },
    namespace: { type: "string", arg: "NS", help: "reconcile EdgeModels in NS only", defaultText: "all namespaces" },
    "trust-policy-selector": {
      type: "string",
      arg: "SELECTOR",
      nonEmpty: true,
      defaultText: "every ModelTrustPolicy",
      help: "label selector (as kubectl -l takes it) of the ModelTrustPolicies this operator enforces, for several operators in one cluster (--namespace): a policy outside it does not exist for this operator",
    },
    workers: { type: "integer", default: "4", help: "concurrent reconciles" },
    "kube-qps": { type: "number", default: "50", help: "requests per second to the API server" },
    "kube-burst": { type: "integer", default: "100", help: "requests allowed at once above the rate" },
    "leader-elect": { type: "boolean", default: "true", help: "elect a leader on a Lease before reconciling" },
    "leader-election-namespace": { type: "string", arg: "NS", default: "edgefleet-system", help: "namespace of the Lease" },
    "leader-election-id": { type: "string", arg: "NAME", default: "edgefleet-operator", help: "name of the Lease" },
    identity: {
      type: "string",
      arg: "ID",
      default: `${hostname()}_${process.pid}`,
      defaultText: "HOSTNAME_PID",
      help: "this instance in the Lease and in Events",
    },
    "lease-duration": {
      type: "integer",
      arg: "SECONDS",
      default: "15",
      help: "lease validity; a standby takes over after it (client-go's default: shorter fails over faster, but a leader busy with a large fleet or on a loaded host then loses its lease)",
    },
    "renew-deadline": {
      type: "integer",
      arg: "MS",
      default: "10000",
      help: "a leader that cannot renew for this long steps down; below --lease-duration",
    },
    "retry-period": { type: "integer", arg: "MS", default: "2000", help: "pause between lease attempts; below --renew-deadline" },
    "http-address": { type: "address", default: "0.0.0.0:8080", help: "/metrics, /healthz and /readyz; port 0 picks one" },
    "log-level": LOG_LEVEL_FLAG,
    "max-event-loop-lag": MAX_EVENT_LOOP_LAG_FLAG,
    "informer-down-timeout": {
      type: "duration",
      default: "3m",
      help: "/healthz fails once an informer has gone this long without listing or watching (each retries by itself until then)",
    },
    "watch-timeout": {
      type: "integer",
      arg: "SECONDS",
      default: "60",
      help: "server-side watch timeout; silent watches restart after it",
    },
    "prometheus-url": {
      type: "url",
      schemes: ["http", "https"],
      example: "http://prometheus:9090",
      defaultText: "none",
      help: "Prometheus whose HTTP API rollout analysis queries; without it, rollout steps advance on their pause alone and status says analysis is off",
    },
    "prometheus-timeout": {
      type: "number",
      arg: "SECONDS",
      default: "5",
      help: "longest one analysis query may take; slower is inconclusive",
    },
    "analysis-interval": { type: "number", arg: "SECONDS", default: "10", help: "time between two analyses of a rollout step" },
    "agent-image": {
      type: "string",
      arg: "IMAGE",
      default: DEFAULT_AGENT_IMAGE,
      // An image reference as a pod spec takes it: no whitespace, no scheme.
      check: {
        must: "be an image reference such as ghcr.io/edgefleet/edge-agent:0.1.0",
        test: /^[a-z0-9][^\s:/]*(:\d+)?(\/[^\s:/@]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
      },
      help: "edge-agent image whose verify-artifact init container checks each model file before its runtime starts",
    },
    "artifact-ca-bundle": {
      type: "string",
      arg: "FILE",
      defaultText: "none: the public roots only",
      help: "PEM CA certificates every verify-artifact init container trusts for https:// artifacts in addition to the public roots (artifact servers with a private CA); read at start, a change rolls every runtime pod",
    },
    "artifact-plain-http-registries": {
      type: "string",
      arg: "HOST[:PORT],...",
      defaultText: "none: every registry over HTTPS",
      help: "OCI registries every verify-artifact init container reaches over plain http:// (a site registry without TLS; pull credentials then travel in clear); a change rolls every runtime pod",
    },
  },
  footer: `Environment:
  OTEL_EXPORTER_OTLP_ENDPOINT   send traces (reconciles, planning, API writes, analysis queries) over OTLP
                                to this collector; the other OTEL_* variables of the OpenTelemetry SDK apply
                                (OTEL_TRACES_EXPORTER=otlp|console|none, OTEL_EXPORTER_OTLP_PROTOCOL,
                                OTEL_SERVICE_NAME, ...). Tracing is off while neither an endpoint nor an
                                exporter is set. Log lines written inside a span carry its trace_id.`,
});

export const HELP = CLI.help;

export interface OperatorOptions {
  kubeconfig: string | undefined;
  namespace: string | undefined;
  trustPolicySelector: string | undefined;
  workers: number;
  kubeQps: number;
  kubeBurst: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  httpAddress: string;
  logLevel: Level;
  maxEventLoopLagMs: number;
  informerDownTimeoutMs: number;
  watchTimeoutSeconds: number;
  prometheusUrl: string | undefined;
  prometheusTimeoutSeconds: number;
  analysisIntervalSeconds: number;
  agentImage: string;
  /** The checked PEM of --artifact-ca-bundle. */
  artifactCaBundle: string | undefined;
  /** --artifact-plain-http-registries, checked. */
  artifactPlainHttpRegistries: string[];
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed<OperatorOptions> {
  return CLI.parse(argv, (v) => {
    const problem = leaseTimingsProblem(
      { leaseDurationSeconds: v["lease-duration"], renewDeadlineMs: v["renew-deadline"], retryPeriodMs: v["retry-period"] },
      { leaseDurationSeconds: "--lease-duration", renewDeadlineMs: "--renew-deadline", retryPeriodMs: "--retry-period" },
    );
    if (problem) throw new Error(problem);
    return {
      kubeconfig: v.kubeconfig ?? env.KUBECONFIG?.split(":")[0],
      namespace: v.namespace,
      trustPolicySelector: v["trust-policy-selector"],
      workers: v.workers,
      kubeQps: v["kube-qps"],
      kubeBurst: v["kube-burst"],
      leaderElect: v["leader-elect"],
      leaderElectionNamespace: v["leader-election-namespace"],
      leaderElectionId: v["leader-election-id"],
      identity: v.identity,
      leaseDurationSeconds: v["lease-duration"],
      renewDeadlineMs: v["renew-deadline"],
      retryPeriodMs: v["retry-period"],
      httpAddress: v["http-address"],
      logLevel: v["log-level"],
      maxEventLoopLagMs: v["max-event-loop-lag"],
      informerDownTimeoutMs: v["informer-down-timeout"],
      watchTimeoutSeconds: v["watch-timeout"],
      prometheusUrl: v["prometheus-url"],
      prometheusTimeoutSeconds: v["prometheus-timeout"],
      analysisIntervalSeconds: v["analysis-interval"],
      agentImage: v["agent-image"],
      artifactCaBundle: caBundle(v["artifact-ca-bundle"]),
      artifactPlainHttpRegistries: registryList(v["artifact-plain-http-registries"] ?? "", "--artifact-plain-http-registries"),
    };
  });
}

function caBundle(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  return certificateBundle(readFlagFile("artifact-ca-bundle", file).toString("utf8"), `--artifact-ca-bundle ${file}`);
}
