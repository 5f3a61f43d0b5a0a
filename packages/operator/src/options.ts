import { hostname } from "node:os";
import { registryList } from "@edgefleet/api";
import { certificateBundle, command, type Level, LOG_LEVEL_FLAG, MAX_EVENT_LOOP_LAG_FLAG, type Parsed, readFlagFile } from "@edgefleet/kit";
import { leaseTimingsProblem } from "@edgefleet/kube";
import { assignmentsTopic } from "@edgefleet/telemetry";
import { DEFAULT_BUILD_IMAGE } from "./build/job.js";
import { DEFAULT_AGENT_IMAGE } from "./planner/artifact-volume.js";

// An image reference as a pod spec takes it: no whitespace, no scheme.
const IMAGE_CHECK = {
  must: "be an image reference such as ghcr.io/edgefleet/edge-agent:0.1.0",
  test: /^[a-z0-9][^\s:/]*(:\d+)?(\/[^\s:/@]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
};

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
      check: IMAGE_CHECK,
      help: "edge-agent image whose verify-artifact init container checks each model file before its runtime starts",
    },
    "build-image": {
      type: "string",
      arg: "IMAGE",
      default: DEFAULT_BUILD_IMAGE,
      check: IMAGE_CHECK,
      help: "image of EdgeModelBuild Jobs (deploy/docker/model-build.Dockerfile): the model CLI and its Python tools (ONNX Runtime, OpenVINO, NNCF), run as MODEL_BUILD_COMMAND",
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
      help: "OCI registries every verify-artifact init container, build Job and federated coordinator reaches over plain http:// (a site registry without TLS; credentials then travel in clear); a change rolls every runtime pod",
    },
    "artifact-install-deadline": {
      type: "duration",
      min: 60_000,
      defaultText: "the install's own, 30m",
      help: "longest one verify-artifact install may take (lock waits, signature, download) before it fails and kubelet retries it, resuming the download; raise it for large models on slow links; a change rolls every runtime pod",
    },
    "mqtt-url": {
      type: "url",
      schemes: ["mqtt", "mqtts"],
      example: "mqtts://HOST:PORT",
      defaultText: "none: no assignments are published, and agents probe no runtime",
      section: "Assignments",
      help: "the site's broker, where the elected operator publishes each node's runtimes on the node's retained assignments topic (docs/agent.md)",
    },
    "mqtt-site": { type: "string", arg: "NAME", help: "the site segment of the assignments topics; required with --mqtt-url" },
    "mqtt-tls-ca": { type: "string", arg: "FILE", help: "CA certificate (PEM) the broker's certificate must chain to" },
    "mqtt-tls-cert": { type: "string", arg: "FILE", help: "the operator's client certificate (PEM); needs --mqtt-tls-key" },
    "mqtt-tls-key": { type: "string", arg: "FILE", help: "its private key (PEM); needs --mqtt-tls-cert" },
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
  buildImage: string;
  /** The checked PEM of --artifact-ca-bundle. */
  artifactCaBundle: string | undefined;
  /** --artifact-plain-http-registries, checked. */
  artifactPlainHttpRegistries: string[];
  /** --artifact-install-deadline in whole seconds, when given. */
  artifactInstallDeadlineSeconds: number | undefined;
  /** Where assignments are published; none without --mqtt-url. */
  assignments: { url: string; site: string; ca?: string; cert?: string; key?: string } | undefined;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed<OperatorOptions> {
  return CLI.parse(argv, (v) => {
    const problem = leaseTimingsProblem(
      { leaseDurationSeconds: v["lease-duration"], renewDeadlineMs: v["renew-deadline"], retryPeriodMs: v["retry-period"] },
      { leaseDurationSeconds: "--lease-duration", renewDeadlineMs: "--renew-deadline", retryPeriodMs: "--retry-period" },
    );
    if (problem) throw new Error(problem);
    if ((v["mqtt-tls-cert"] === undefined) !== (v["mqtt-tls-key"] === undefined))
      throw new Error("--mqtt-tls-cert and --mqtt-tls-key go together: give both or neither");
    const url = v["mqtt-url"];
    const site = v["mqtt-site"];
    if ((url === undefined) !== (site === undefined)) throw new Error("--mqtt-url and --mqtt-site go together: give both or neither");
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
      buildImage: v["build-image"],
      artifactCaBundle: caBundle(v["artifact-ca-bundle"]),
      artifactPlainHttpRegistries: registryList(v["artifact-plain-http-registries"] ?? "", "--artifact-plain-http-registries"),
      artifactInstallDeadlineSeconds:
        v["artifact-install-deadline"] === undefined ? undefined : Math.ceil(v["artifact-install-deadline"] / 1000),
      assignments:
        url === undefined || site === undefined
          ? undefined
          : {
              url,
              site: topicSite(site),
              ...(v["mqtt-tls-ca"] === undefined ? {} : { ca: v["mqtt-tls-ca"] }),
              ...(v["mqtt-tls-cert"] === undefined ? {} : { cert: v["mqtt-tls-cert"] }),
              ...(v["mqtt-tls-key"] === undefined ? {} : { key: v["mqtt-tls-key"] }),
            },
    };
  });
}

/** The site as a topic segment, or a usage error naming the flag. */
function topicSite(site: string): string {
  try {
    assignmentsTopic(site, "node");
  } catch (err) {
    throw new Error(`--mqtt-site must be a lowercase DNS name: ${(err as Error).message}`);
  }
  return site;
}

function caBundle(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  return certificateBundle(readFlagFile("artifact-ca-bundle", file).toString("utf8"), `--artifact-ca-bundle ${file}`);
}
