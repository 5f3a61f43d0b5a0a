import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { LEVELS, type Level } from "@edgefleet/kit";
import { DEFAULT_AGENT_IMAGE } from "./planner/artifact-volume.js";

export const HELP = `Usage: node --import tsx packages/operator/src/main.ts [options]

The edgefleet operator: places EdgeModels on the fleet's hardware classes as DaemonSets and
reports where they run in each EdgeModel's status.

Options:
  --kubeconfig FILE               kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  --namespace NS                  reconcile EdgeModels in NS only (default: all namespaces)
  --workers N                     concurrent reconciles (default: 4)
  --kube-qps N                    requests per second to the API server (default: 50)
  --kube-burst N                  requests allowed at once above the rate (default: 100)
  --leader-elect BOOL             elect a leader on a Lease before reconciling (default: true)
  --leader-election-namespace NS  namespace of the Lease (default: edgefleet-system)
  --leader-election-id NAME       name of the Lease (default: edgefleet-operator)
  --identity ID                   this instance in the Lease and in Events (default: HOSTNAME_PID)
  --lease-duration SECONDS        lease validity; a standby takes over after it (default: 3)
  --renew-deadline MS             a leader that cannot renew for this long steps down (default: 2000)
  --retry-period MS               pause between lease attempts (default: 500)
  --http-address HOST:PORT        /metrics, /healthz and /readyz (default: 0.0.0.0:8080; port 0 picks one)
  --log-level LEVEL               ${LEVELS.join(", ")} (default: info); logs are JSON lines on stdout
  --watch-timeout SECONDS         server-side watch timeout; silent watches restart after it (default: 60)
  --prometheus-url URL            Prometheus whose HTTP API rollout analysis queries (default: none; without
                                  it, rollout steps advance on their pause alone and status says analysis is off)
  --prometheus-timeout SECONDS    longest one analysis query may take; slower is inconclusive (default: 5)
  --analysis-interval SECONDS     time between two analyses of a rollout step (default: 10)
  --agent-image IMAGE             edge-agent image whose verify-artifact init container checks each model
                                  file before its runtime starts (default: ${DEFAULT_AGENT_IMAGE})
  -h, --help                      this help

Environment:
  OTEL_EXPORTER_OTLP_ENDPOINT     send traces (reconciles, planning, API writes, analysis queries) over OTLP
                                  to this collector; the other OTEL_* variables of the OpenTelemetry SDK apply
                                  (OTEL_TRACES_EXPORTER=otlp|console|none, OTEL_EXPORTER_OTLP_PROTOCOL,
                                  OTEL_SERVICE_NAME, ...). Tracing is off while neither an endpoint nor an
                                  exporter is set. Log lines written inside a span carry its trace_id.`;

export interface OperatorOptions {
  kubeconfig: string | undefined;
  namespace: string | undefined;
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
  watchTimeoutSeconds: number;
  prometheusUrl: string | undefined;
  prometheusTimeoutSeconds: number;
  analysisIntervalSeconds: number;
  agentImage: string;
  help: boolean;
}

function positive(flag: string, value: string, { integer = true } = {}): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new Error(`--${flag} must be a positive ${integer ? "integer" : "number"}, got "${value}"`);
  return n;
}

function httpUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (url?.protocol !== "http:" && url?.protocol !== "https:")
    throw new Error(`--${flag} must be an http:// or https:// URL such as http://prometheus:9090, got "${value}"`);
  return value;
}

/** An image reference as a pod spec takes it: no whitespace, no scheme. */
function image(flag: string, value: string): string {
  if (!/^[a-z0-9][^\s:/]*(:\d+)?(\/[^\s:/@]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(value))
    throw new Error(`--${flag} must be an image reference such as ghcr.io/edgefleet/edge-agent:0.1.0, got "${value}"`);
  return value;
}

function bool(flag: string, value: string): boolean {
  if (value !== "true" && value !== "false") throw new Error(`--${flag} must be true or false, got "${value}"`);
  return value === "true";
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      namespace: { type: "string" },
      workers: { type: "string", default: "4" },
      "kube-qps": { type: "string", default: "50" },
      "kube-burst": { type: "string", default: "100" },
      "leader-elect": { type: "string", default: "true" },
      "leader-election-namespace": { type: "string", default: "edgefleet-system" },
      "leader-election-id": { type: "string", default: "edgefleet-operator" },
      identity: { type: "string", default: `${hostname()}_${process.pid}` },
      "lease-duration": { type: "string", default: "3" },
      "renew-deadline": { type: "string", default: "2000" },
      "retry-period": { type: "string", default: "500" },
      "http-address": { type: "string", default: "0.0.0.0:8080" },
      "log-level": { type: "string", default: "info" },
      "watch-timeout": { type: "string", default: "60" },
      "prometheus-url": { type: "string" },
      "prometheus-timeout": { type: "string", default: "5" },
      "analysis-interval": { type: "string", default: "10" },
      "agent-image": { type: "string", default: DEFAULT_AGENT_IMAGE },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const level = v["log-level"] as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}, got "${v["log-level"]}"`);
  return {
    kubeconfig: v.kubeconfig ?? env.KUBECONFIG?.split(":")[0],
    namespace: v.namespace,
    workers: positive("workers", v.workers),
    kubeQps: positive("kube-qps", v["kube-qps"], { integer: false }),
    kubeBurst: positive("kube-burst", v["kube-burst"]),
    leaderElect: bool("leader-elect", v["leader-elect"]),
    leaderElectionNamespace: v["leader-election-namespace"],
    leaderElectionId: v["leader-election-id"],
    identity: v.identity,
    leaseDurationSeconds: positive("lease-duration", v["lease-duration"]),
    renewDeadlineMs: positive("renew-deadline", v["renew-deadline"]),
    retryPeriodMs: positive("retry-period", v["retry-period"]),
    httpAddress: v["http-address"],
    logLevel: level,
    watchTimeoutSeconds: positive("watch-timeout", v["watch-timeout"]),
    prometheusUrl: v["prometheus-url"] === undefined ? undefined : httpUrl("prometheus-url", v["prometheus-url"]),
    prometheusTimeoutSeconds: positive("prometheus-timeout", v["prometheus-timeout"], { integer: false }),
    analysisIntervalSeconds: positive("analysis-interval", v["analysis-interval"], { integer: false }),
    agentImage: image("agent-image", v["agent-image"]),
    help: v.help,
  };
}
