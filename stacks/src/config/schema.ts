import { IMAGE_REGISTRY, IMAGE_VERSION, OCI_REGISTRY_PATTERN } from "@edgefleet/api";
import { PEM_CERTIFICATE } from "@edgefleet/kit";
import { HARDWARE_CLASSES } from "../k3s/hardware.js";
import { LOG_LEVELS, OTLP_PROTOCOLS } from "../platform/args.js";
import { MAX_GATEWAY_REPLICAS, MOSQUITTO_IMAGE } from "../platform/contract.js";

/**
 * The platform's settings, declared once: the stack config's reader (parse.ts) validates
 * `edgefleet:*` keys with these fields, and the Helm chart's values.schema.json and values.yaml
 * are generated from them (chart/values.ts). A field states its type, bounds and default; the
 * two cross-field rules of monitoring are declared here too, as data both sides read.
 */

export interface Pattern {
  readonly re: RegExp;
  /** What a matching value is, for error messages: "a DNS label (...)". */
  readonly what: string;
}

interface Described {
  readonly description: string;
}
export type Field =
  | (Described & { readonly kind: "boolean"; readonly default?: boolean })
  | (Described & { readonly kind: "integer"; readonly min: number; readonly max: number; readonly default?: number })
  | (Described & { readonly kind: "string"; readonly pattern: Pattern; readonly default?: string })
  | (Described & { readonly kind: "url"; readonly example: string })
  | (Described & { readonly kind: "enum"; readonly values: readonly string[]; readonly default?: string })
  | (Described & {
      readonly kind: "list";
      readonly items: Field & { kind: "string" };
      /** 1 where an empty list means nothing sensible (agent classes: disable the agent instead). */
      readonly minItems: 0 | 1;
      readonly default?: readonly string[];
    });

export interface Section extends Described {
  readonly kind: "section";
  readonly fields: Readonly<Record<string, Field>>;
}

export const DNS_LABEL: Pattern = {
  re: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
  what: "a DNS label (lowercase letters, digits and '-', at most 63)",
};
export const TAG: Pattern = { re: /^[\w][\w.-]{0,127}$/, what: "an image tag such as 0.1.0" };
/** A registry host (with an optional port) and repository path, as an image reference starts. */
export const REGISTRY: Pattern = {
  re: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
  what: "a registry and path such as ghcr.io/edgefleet",
};
const DIGEST = "@sha256:[0-9a-f]{64}";
/** A whole image reference, pinned by a tag, a digest or both: a pod never floats on an implied latest. */
export const IMAGE: Pattern = {
  re: new RegExp(`^${REGISTRY.re.source.slice(1, -1)}(:${TAG.re.source.slice(1, -1)}(${DIGEST})?|${DIGEST})$`),
  what: "an image reference with a tag or a digest, such as eclipse-mosquitto:2.0.20 or registry.example.com/edgefleet/mosquitto:0.1.0",
};

/** A registry host with an optional port, as oci:// artifact URIs name it. */
export const OCI_REGISTRY: Pattern = {
  re: new RegExp(`^${OCI_REGISTRY_PATTERN}$`),
  what: "a registry host[:port] as oci:// artifact URIs name it, such as registry.site.lan:5000",
};
/** Whole minutes or hours: the operator's duration flag reads them, and its floor (1m) holds by construction. */
export const MINUTES_OR_HOURS: Pattern = { re: /^[1-9][0-9]{0,3}[mh]$/, what: "whole minutes or hours such as 30m or 2h" };

/** One or more PEM certificates and nothing else (the operator then checks that each parses). */
export const PEM_CERTIFICATES: Pattern = {
  re: new RegExp(`^\\s*(?:${PEM_CERTIFICATE.source}\\s*)+$`),
  what: "one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
};

/** The Prometheus of a site with kube-prometheus-stack, as an example in errors. */
export const PROMETHEUS_URL_EXAMPLE = "http://prometheus-operated.monitoring.svc:9090";
/** An OpenTelemetry Collector's OTLP/HTTP receiver, as an example in errors. */
export const OTLP_ENDPOINT_EXAMPLE = "http://otel-collector.observability.svc:4318";
/** OTLP transport when an endpoint is set without one: the OpenTelemetry SDK's own default. */
export const DEFAULT_OTLP_PROTOCOL = "http/protobuf" satisfies (typeof OTLP_PROTOCOLS)[number];

const bool = (description: string, dflt: boolean) => ({ kind: "boolean", default: dflt, description }) as const satisfies Field;
const section = <const F extends Readonly<Record<string, Field>>>(description: string, fields: F) =>
  ({ kind: "section", description, fields }) as const satisfies Section;

/** The site's name, which its nodes carry as their edgefleet.io/site label. */
export const SITE: Field & { kind: "string" } = {
  kind: "string",
  pattern: DNS_LABEL,
  description: "The site this cluster's nodes belong to (their edgefleet.io/site label): the agents' --site and the broker's ACL.",
};

/** Everything but the namespace (Helm installs into the release's) and the cluster (Pulumi's alone). */
export const PLATFORM_SCHEMA = {
  version: { kind: "string", pattern: TAG, default: IMAGE_VERSION, description: "Image tag of edgefleet's own images." },
  registry: {
    kind: "string",
    pattern: REGISTRY,
    default: IMAGE_REGISTRY,
    description: "Registry and path prefix of edgefleet's images (operator, telemetry-gateway, edge-agent).",
  },
  catalog: bool("Install the default EdgeRuntime catalog (onnx, tensorrt, tflite, openvino).", true),
  networkPolicies: bool("Deny-by-default NetworkPolicies with the few flows the platform needs.", true),
  operator: section("The operator (a Deployment electing its leader through a Lease).", {
    replicas: { kind: "integer", min: 1, max: 5, default: 2, description: "2 or more for a standby that takes over through the Lease." },
    logLevel: { kind: "enum", values: LOG_LEVELS, default: "info", description: "The operator's --log-level." },
    artifactCaBundle: {
      kind: "string",
      pattern: PEM_CERTIFICATES,
      description:
        "PEM CA certificates that every runtime pod's artifact download (its verify-artifact init container) trusts in addition to the public roots, for artifact servers with a private CA: a ConfigMap mounted into the operator as its --artifact-ca-bundle. Changing it restarts the operator and rolls every runtime pod.",
    },
    artifactPlainHttpRegistries: {
      kind: "list",
      items: { kind: "string", pattern: OCI_REGISTRY, description: "A registry host[:port]." },
      minItems: 0,
      default: [],
      description:
        "OCI registries that runtime pods' artifact downloads, model builds and federated trainings' pushes reach over plain http:// (a site registry without TLS; credentials then travel in clear): the operator's --artifact-plain-http-registries. Changing it rolls every runtime pod.",
    },
    artifactInstallDeadline: {
      kind: "string",
      pattern: MINUTES_OR_HOURS,
      default: "30m",
      description:
        "Longest one artifact install of a runtime pod may take (lock waits, signature check, download) before it fails and the kubelet retries it, resuming the download; raise it for large models on slow links: the operator's --artifact-install-deadline. Changing it rolls every runtime pod.",
    },
  }),
  gateway: section("The telemetry gateway: node telemetry from the broker, served to Prometheus. Needs the broker.", {
    enabled: bool("Deploy the telemetry gateway.", true),
    replicas: {
      kind: "integer",
      min: 1,
      max: MAX_GATEWAY_REPLICAS,
      default: 1,
      description: "Replicas sharing one MQTT shared subscription, each with its own MQTT identity.",
    },
    mqttClientSecret: {
      kind: "string",
      pattern: DNS_LABEL,
      default: "edgefleet-gateway-mqtt",
      description:
        "Secret with ca.crt, each replica's MQTT client certificate and key as edgefleet-telemetry-gateway-<ordinal>.crt and .key (CN = the pod's name), and the retire command's as retire.crt and retire.key (CN edgefleet-gateway-retire).",
    },
  }),
  broker: section("Mosquitto, TLS only, one client identity per node.", {
    enabled: bool("Deploy the MQTT broker.", true),
    image: {
      kind: "string",
      pattern: IMAGE,
      default: MOSQUITTO_IMAGE,
      description:
        "The Mosquitto image: the pinned upstream one, or one the site built or mirrors, such as edgefleet's build from Debian's package (deploy/docker/mosquitto.Dockerfile). It must run mosquitto from the PATH as uid 1883.",
    },
    tlsSecret: {
      kind: "string",
      pattern: DNS_LABEL,
      default: "edgefleet-mqtt-tls",
      description: "kubernetes.io/tls Secret the broker serves; its ca.crt is the CA every client certificate must be signed by.",
    },
  }),
  agent: section("The edge agent on every node of the site (needs the broker).", {
    enabled: bool("Deploy the edge agent DaemonSets.", true),
    hardwareClasses: {
      kind: "list",
      items: { kind: "string", pattern: DNS_LABEL, description: "A hardware class (edgefleet.io/hardware-class label)." },
      minItems: 1,
      default: Object.keys(HARDWARE_CLASSES),
      description: "One agent DaemonSet per class, on the site's nodes labelled with it; nodes of other classes get no agent.",
    },
  }),
  monitoring: section("Rules, dashboards, rollout analysis and tracing.", {
    rulesAs: {
      kind: "enum",
      values: ["auto", "PrometheusRule", "ConfigMap"],
      default: "auto",
      description:
        "The SRE kit's rules as a PrometheusRule (needs the Prometheus Operator) or a ConfigMap; auto: PrometheusRule when the cluster serves monitoring.coreos.com/v1.",
    },
    dashboards: bool("Grafana dashboards as a ConfigMap for kube-prometheus-stack's sidecar.", true),
    prometheusUrl: {
      kind: "url",
      example: PROMETHEUS_URL_EXAMPLE,
      description:
        "The Prometheus (scraping the telemetry gateway) whose HTTP API the operator's rollout analysis queries. Required unless rolloutAnalysis is false.",
    },
    rolloutAnalysis: bool(
      "false: rollout steps advance on their pauses alone and nothing rolls back automatically (then prometheusUrl must be unset).",
      true,
    ),
    otlpEndpoint: {
      kind: "url",
      example: OTLP_ENDPOINT_EXAMPLE,
      description: "The OpenTelemetry collector the operator sends its traces to; unset: the operator traces nothing.",
    },
    otlpProtocol: {
      kind: "enum",
      values: OTLP_PROTOCOLS,
      description: `OTLP transport (only with otlpEndpoint); ${DEFAULT_OTLP_PROTOCOL} when unset.`,
    },
  }),
} as const satisfies Readonly<Record<string, Field | Section>>;

/**
 * monitoring's cross-field rules. prometheusUrl is required unless rolloutAnalysis is false, and
 * refused when it is: without a metrics source the operator judges no rollout, so a model's SLOs
 * would gate nothing while the platform looked as if they did. otlpProtocol needs otlpEndpoint.
 */
export const MONITORING_RULES = {
  analysis: { required: "prometheusUrl", unlessFalse: "rolloutAnalysis" },
  otlp: { field: "otlpProtocol", requires: "otlpEndpoint" },
} as const;

/** The value a field reads as. */
export type ValueOf<F extends Field> = F extends { kind: "boolean" }
  ? boolean
  : F extends { kind: "integer" }
    ? number
    : F extends { kind: "enum"; values: readonly (infer T)[] }
      ? T
      : F extends { kind: "list" }
        ? string[]
        : string;
