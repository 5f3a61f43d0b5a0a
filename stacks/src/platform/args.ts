import type { CertificateAuthority, Level as LogLevel, OtlpProtocol } from "@edgefleet/kit";

/** What the Platform component deploys; every field is resolved (the stack config supplies defaults). */
export interface PlatformArgs {
  /** Namespace of the operator, gateway, broker and agents. */
  readonly namespace: string;
  /**
   * The site this cluster's nodes belong to (their edgefleet.io/site label): every agent's --site,
   * and the broker's ACL lets a node publish under this site only.
   */
  readonly site: string;
  /** Image tag of edgefleet's own images (operator, telemetry-gateway, edge-agent). */
  readonly version: string;
  /** Registry and path prefix of edgefleet's images, e.g. ghcr.io/edgefleet. */
  readonly registry: string;
  /** Install the default EdgeRuntime catalog (onnx, tensorrt, tflite, openvino). */
  readonly catalog: boolean;
  /** Deny-by-default NetworkPolicies with the few flows the platform needs. */
  readonly networkPolicies: boolean;
  readonly operator: {
    /** 2 or more for a standby that takes over through the Lease. */
    readonly replicas: number;
    readonly logLevel: LogLevel;
    /** PEM CA certificates trusted for artifact downloads besides the public roots (the operator's --artifact-ca-bundle). */
    readonly artifactCaBundle?: string;
    /** Registries runtime pods' artifact downloads reach over plain http:// (the operator's --artifact-plain-http-registries). */
    readonly artifactPlainHttpRegistries?: readonly string[];
    /** Longest one artifact install may take, as a duration such as 30m (the operator's --artifact-install-deadline). */
    readonly artifactInstallDeadline?: string;
  };
  /** Receives node telemetry from the broker and serves it to Prometheus. */
  readonly gateway: {
    readonly enabled: boolean;
    readonly replicas: number;
    /** Secret with ca.crt and each replica's and the retire command's MQTT identity (gatewaySecretData). */
    readonly mqttClientSecret: string;
  };
  /** Mosquitto, TLS only, one client identity per node. */
  readonly broker: {
    readonly enabled: boolean;
    /** The Mosquitto image: mosquitto on its PATH, run as MOSQUITTO_UID. */
    readonly image: string;
    /**
     * kubernetes.io/tls Secret the broker serves, made by cert-manager or by hand; its ca.crt is
     * also the CA every client certificate (gateway, nodes) must be signed by.
     */
    readonly tlsSecret: string;
  };
  /** The edge agent on every node of the site (needs the broker). */
  readonly agent: {
    readonly enabled: boolean;
    /** One DaemonSet per class, on the nodes labelled with it; nodes of other classes get no agent. */
    readonly hardwareClasses: readonly string[];
  };
  /**
   * The site's MQTT CA: when given, Pulumi issues the broker's and the gateway's certificates into
   * their Secrets; without it those Secrets are made outside Pulumi (cert-manager, by hand).
   */
  readonly mqttCa?: CertificateAuthority;
  /**
   * The MQTT CA's certificate revocation list (PEM), which the broker enforces; the program makes
   * it with mqttCa from revokedGenerations. Without one the broker checks no revocation.
   */
  readonly mqttRevocationList?: string;
  /**
   * Start of the validity window of the certificates mqttCa issues (ISO 8601): a renewal changes it,
   * which rolls the broker, gateway and operator onto their new certificates.
   */
  readonly mqttCertificatesSince?: string;
  /**
   * The node names whose MQTT identities the stack issues (a K3s site's hosts, with mqttCa): the
   * broker's ACL lets only these publish. Any name may when left out.
   */
  readonly mqttNodes?: readonly string[];
  readonly monitoring: {
    /** PrometheusRule needs the Prometheus Operator's CRD; ConfigMap works everywhere. */
    readonly rulesAs: "PrometheusRule" | "ConfigMap";
    /** Grafana dashboards as ConfigMaps for kube-prometheus-stack's sidecar. */
    readonly dashboards: boolean;
    /**
     * The Prometheus (http:// or https:// base URL) whose HTTP API the operator's rollout analysis
     * queries, with the gateway's metrics in it: its --prometheus-url, and the operator's NetworkPolicy
     * lets it reach that port. Unset: rollout steps advance on their pauses alone, nothing rolls back
     * automatically; the stack config allows that only with monitoring.rolloutAnalysis: false.
     */
    readonly prometheusUrl?: string;
    /**
     * The OpenTelemetry collector the operator sends its traces to (reconciles, planning, API writes,
     * analysis queries): its OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL, and the
     * operator's NetworkPolicy lets it reach the endpoint's port. Unset: the operator traces nothing.
     */
    readonly otlp?: OtlpExport;
  };
}

// The operator's own lists: a stack can name only what the operator accepts.
export { LEVELS as LOG_LEVELS, OTLP_PROTOCOLS } from "@edgefleet/kit";
export type { LogLevel, OtlpProtocol };

export interface OtlpExport {
  /** http:// or https:// URL of the collector's OTLP receiver; for HTTP the SDK appends /v1/traces. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
}
