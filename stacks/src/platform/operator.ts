import { GROUP, OPERATOR_NODE_OPTIONS } from "@edgefleet/api";
import type * as k8s from "@pulumi/kubernetes";
import type { LogLevel, OtlpExport } from "./args.js";
import { certificatesAnnotation, configHash } from "./broker.js";
import { HTTP_PORT, OPERATOR_MQTT_SECRET } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, nodeOptionsEnv, resources, selectorLabels } from "./pod.js";
import { clusterGrant } from "./rbac.js";

export interface OperatorConfig {
  readonly namespace: string;
  /** Full image reference of the operator. */
  readonly image: string;
  /**
   * Full image reference of the edge agent, whose install command runs as every runtime pod's
   * verify-artifact init container (the operator's --agent-image).
   */
  readonly agentImage: string;
  /** Full image reference of the model-build image EdgeModelBuild Jobs run (the operator's --build-image). */
  readonly buildImage: string;
  readonly replicas: number;
  readonly logLevel: LogLevel;
  /**
   * PEM CA certificates trusted for artifact downloads besides the public roots: a ConfigMap of the
   * operator's name, mounted and passed as --artifact-ca-bundle. The operator reads it at start, so
   * its hash in the pod template restarts the operator when it changes.
   */
  readonly artifactCaBundle?: string;
  /** Registries runtime pods' artifact downloads reach over plain http:// (--artifact-plain-http-registries). */
  readonly artifactPlainHttpRegistries?: readonly string[];
  /** Longest one artifact install may take, such as 30m (--artifact-install-deadline); the install's own when unset. */
  readonly artifactInstallDeadline?: string;
  /** Prometheus for rollout analysis (--prometheus-url); without it steps advance on their pauses alone. */
  readonly prometheusUrl?: string;
  /** Collector for its traces; without it the operator traces nothing. */
  readonly otlp?: OtlpExport;
  /** Prefix of the cluster-scoped RBAC names, so two platforms in one cluster do not collide. */
  readonly clusterPrefix: string;
  /**
   * The site's broker, where the operator publishes each node's assignments with the identity in
   * OPERATOR_MQTT_SECRET; without a broker, none are published (and no agent runs).
   */
  readonly mqtt?: { readonly url: string; readonly site: string; readonly certificatesSince?: string };
}

export const OPERATOR = "edgefleet-operator";

const ARTIFACT_CA_VOLUME = "artifact-ca";
const ARTIFACT_CA_DIR = "/etc/edgefleet/artifact-ca";
const ARTIFACT_CA_KEY = "artifact-ca-bundle.pem";
const MQTT_VOLUME = "mqtt-identity";
const MQTT_DIR = "/etc/edgefleet/mqtt";

/**
 * What the operator may do, and nothing more: read the fleet (Nodes) and the catalog, manage its
 * EdgeModels' annotations and status (and remove the finalizer earlier operators set), their DaemonSets and ControllerRevisions (the
 * rollout's snapshots), FederatedTrainings' status and children, run its
 * EdgeModelBuilds' Jobs and read their pods' results, read its runtime pods (where
 * each runs and its address, the nodes' assignments it publishes), and record Events. Exactly the
 * verbs its client sends (packages/kube/src,
 * controller, rollout): informers list and watch, server-side apply is a PATCH that may create,
 * the one single read is a runtime pod the kubelet backs off from restarting, and nothing updates
 * whole objects. Cluster-wide because EdgeModels live in app teams' namespaces.
 */
export const OPERATOR_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [GROUP], resources: ["edgemodels"], verbs: ["list", "watch", "patch"] },
  { apiGroups: [GROUP], resources: ["edgemodels/status"], verbs: ["patch"] },
  // Children carry blockOwnerDeletion owner references, which need update on the owner's finalizers.
  { apiGroups: [GROUP], resources: ["edgemodels/finalizers"], verbs: ["update"] },
  { apiGroups: [GROUP], resources: ["edgeruntimes", "modeltrustpolicies"], verbs: ["list", "watch"] },
  // FederatedTrainings: their status, and their children (pods, the progress ConfigMap, the SuperLink's Service), created and deleted, never updated.
  { apiGroups: [GROUP], resources: ["federatedtrainings"], verbs: ["list", "watch"] },
  { apiGroups: [GROUP], resources: ["federatedtrainings/status"], verbs: ["patch"] },
  { apiGroups: [GROUP], resources: ["federatedtrainings/finalizers"], verbs: ["update"] },
  // get: a runtime pod a BackOff Event names is read live (pods crash-looping while Running are not cached).
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
  // The kubelet's BackOff Events on pods (field-selected): how a runtime container crashing after it started is found.
  { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
  // patch: a device joining a running FederatedTraining is appended to its progress ConfigMap.
  { apiGroups: [""], resources: ["configmaps"], verbs: ["list", "watch", "create", "patch", "delete"] },
  // services and networkpolicies: a FederatedTraining's (create), and a Shared runtime's server's
  // (server-side apply: patch, and create for a new one; delete once no model uses it).
  { apiGroups: [""], resources: ["services"], verbs: ["create", "patch", "delete"] },
  // A Shared runtime's server's load key, made once and deleted with the server; never read back.
  { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete"] },
  // A FederatedTraining coordinator's identity: a ServiceAccount and a Role letting it patch its
  // job's progress ConfigMap (a verb the operator holds, so the API server lets it grant it).
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["create"] },
  { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ["create"] },
  // ... and a NetworkPolicy letting only the job's client pods reach its coordinator's port.
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["create", "patch", "delete"] },
  { apiGroups: ["apps"], resources: ["daemonsets", "controllerrevisions"], verbs: ["list", "watch", "create", "patch", "delete"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"] },
  // EdgeModelBuilds: one Job per generation, whose pod's termination message is the build's result.
  // ... and those FederatedTrainings with spec.build hand their trained model to (server-side apply).
  { apiGroups: [GROUP], resources: ["edgemodelbuilds"], verbs: ["list", "watch", "create", "patch"] },
  { apiGroups: [GROUP], resources: ["edgemodelbuilds/status"], verbs: ["patch"] },
  { apiGroups: [GROUP], resources: ["edgemodelbuilds/finalizers"], verbs: ["update"] },
  // create: a server-side apply that makes the Job is a PATCH the API server authorizes as create.
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "watch", "create", "patch", "delete"] },
];

/**
 * The operator: a Deployment whose replicas elect a leader through a Lease created here, so the
 * Role needs no `create` on leases (which RBAC cannot limit to one name); a PodDisruptionBudget;
 * a metrics Service; a ServiceAccount bound to the rules above. In order: the Deployment comes
 * after its ServiceAccount, RBAC and Lease.
 */
export function operatorManifests(a: OperatorConfig): Manifest[] {
  const labels = componentLabels(OPERATOR);
  const metadata = { name: OPERATOR, namespace: a.namespace, labels };
  const selector = selectorLabels(OPERATOR);
  const serviceAccount = { name: OPERATOR, namespace: a.namespace };
  const caData = a.artifactCaBundle === undefined ? undefined : { [ARTIFACT_CA_KEY]: a.artifactCaBundle };
  const mounts = [
    ...(caData ? [{ name: ARTIFACT_CA_VOLUME, mountPath: ARTIFACT_CA_DIR, readOnly: true }] : []),
    ...(a.mqtt ? [{ name: MQTT_VOLUME, mountPath: MQTT_DIR, readOnly: true }] : []),
  ];
  const volumes = [
    ...(caData ? [{ name: ARTIFACT_CA_VOLUME, configMap: { name: OPERATOR } }] : []),
    // Optional: an operator whose Secret is missing still places models, and logs that it publishes no assignments.
    ...(a.mqtt ? [{ name: MQTT_VOLUME, secret: { secretName: OPERATOR_MQTT_SECRET, optional: true } }] : []),
  ];
  return [
    ...(caData ? [manifest("v1", "ConfigMap", { metadata, data: caData })] : []),
    manifest("v1", "ServiceAccount", { metadata }),
    ...clusterGrant({ name: `${a.clusterPrefix}-operator`, labels, rules: OPERATOR_CLUSTER_RULES, serviceAccount }),
    // An empty spec: the elected replica owns every field of it.
    manifest("coordination.k8s.io/v1", "Lease", { metadata, spec: {} }),
    manifest("rbac.authorization.k8s.io/v1", "Role", {
      metadata,
      rules: [
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: [OPERATOR],
          verbs: ["get", "watch", "update", "patch"],
        },
      ],
    }),
    manifest("rbac.authorization.k8s.io/v1", "RoleBinding", {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: OPERATOR },
      subjects: [{ kind: "ServiceAccount", ...serviceAccount }],
    }),
    manifest("apps/v1", "Deployment", {
      metadata,
      spec: {
        replicas: a.replicas,
        selector: { matchLabels: selector },
        template: edgefleetPodTemplate({
          component: OPERATOR,
          annotations: { ...(caData ? configHash(caData) : {}), ...certificatesAnnotation(a.mqtt?.certificatesSince) },
          serviceAccountName: OPERATOR,
          apiAccess: true,
          container: {
            name: "operator",
            image: a.image,
            // Flags of packages/operator/src/options.ts (a test parses these with it). The operator
            // watches EdgeModels in every namespace; only its Lease lives in the platform's.
            args: [
              "--leader-election-namespace=$(POD_NAMESPACE)",
              `--leader-election-id=${OPERATOR}`,
              "--identity=$(POD_NAME)",
              `--log-level=${a.logLevel}`,
              `--http-address=0.0.0.0:${HTTP_PORT}`,
              `--agent-image=${a.agentImage}`,
              `--build-image=${a.buildImage}`,
              ...(a.prometheusUrl === undefined ? [] : [`--prometheus-url=${a.prometheusUrl}`]),
              ...(caData ? [`--artifact-ca-bundle=${ARTIFACT_CA_DIR}/${ARTIFACT_CA_KEY}`] : []),
              // Even empty (the operator reads none), as the chart always passes it.
              ...(a.artifactPlainHttpRegistries === undefined
                ? []
                : [`--artifact-plain-http-registries=${a.artifactPlainHttpRegistries.join(",")}`]),
              ...(a.artifactInstallDeadline === undefined ? [] : [`--artifact-install-deadline=${a.artifactInstallDeadline}`]),
              ...(a.mqtt
                ? [
                    `--mqtt-url=${a.mqtt.url}`,
                    `--mqtt-site=${a.mqtt.site}`,
                    `--mqtt-tls-ca=${MQTT_DIR}/ca.crt`,
                    `--mqtt-tls-cert=${MQTT_DIR}/tls.crt`,
                    `--mqtt-tls-key=${MQTT_DIR}/tls.key`,
                  ]
                : []),
            ],
            env: [
              fieldEnv("POD_NAMESPACE", "metadata.namespace"),
              fieldEnv("POD_NAME", "metadata.name"),
              // The image sets the same; stated here too, next to the memory limit sized with it.
              nodeOptionsEnv(OPERATOR_NODE_OPTIONS),
              // The OpenTelemetry SDK's own variables: the operator has no tracing flags.
              ...(a.otlp === undefined
                ? []
                : [
                    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: a.otlp.endpoint },
                    { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: a.otlp.protocol },
                  ]),
            ],
            // Memory: OPERATOR_NODE_OPTIONS caps V8's heap at 160 MiB of old space; with it the operator
            // peaked at 231 MiB resident over 10,000 models (code, buffers and the rest are not V8's
            // heap). The limit leaves ~90 MiB above that, so V8 collects, or fails with its own
            // heap-limit error in the log, before the kernel's OOM kill.
            resources: resources({ request: "50m", limit: "500m" }, { request: "64Mi", limit: "320Mi" }),
            ...(mounts.length ? { mounts } : {}),
          },
          ...(volumes.length ? { volumes } : {}),
          pod: {
            // Standbys on other nodes, so losing one device does not lose the operator.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } },
                ],
              },
            },
          },
        }),
      },
    }),
    manifest("policy/v1", "PodDisruptionBudget", {
      metadata,
      // One replica must stay up during drains; with a single replica, a drain may still proceed.
      spec: { selector: { matchLabels: selector }, ...(a.replicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }) },
    }),
    manifest("v1", "Service", { metadata, spec: { selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } }),
  ];
}
