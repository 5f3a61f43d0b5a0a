import { GROUP } from "@edgefleet/api";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LogLevel, OtlpExport } from "./args.js";
import { HTTP_PORT } from "./contract.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, resources, selectorLabels } from "./pod.js";
import { clusterGrant } from "./rbac.js";

export interface OperatorArgs {
  readonly namespace: pulumi.Input<string>;
  /** Full image reference of the operator. */
  readonly image: string;
  /**
   * Full image reference of the edge agent, whose install command runs as every runtime pod's
   * verify-artifact init container (the operator's --agent-image).
   */
  readonly agentImage: string;
  readonly replicas: number;
  readonly logLevel: LogLevel;
  /** Prometheus for rollout analysis (--prometheus-url); without it steps advance on their pauses alone. */
  readonly prometheusUrl?: string;
  /** Collector for its traces; without it the operator traces nothing. */
  readonly otlp?: OtlpExport;
  /** Prefix of the cluster-scoped RBAC names, so two platforms in one cluster do not collide. */
  readonly clusterPrefix: string;
  /**
   * What the Deployment waits for: the EdgeModel/EdgeRuntime API, which the operator lists first.
   * (A component's own dependsOn does not reach its children.)
   */
  readonly after: readonly pulumi.Resource[];
}

export const OPERATOR = "edgefleet-operator";

/**
 * What the operator may do, and nothing more: read the fleet (Nodes) and the catalog, manage its
 * EdgeModels' annotations and status (and remove the finalizer earlier operators set), their DaemonSets and ControllerRevisions (the
 * rollout's snapshots), and record Events. Exactly the verbs its client sends (packages/kube/src,
 * controller, rollout): informers list and watch, server-side apply is a PATCH that may create,
 * and nothing reads single objects or updates whole ones. Cluster-wide because EdgeModels live in
 * app teams' namespaces.
 */
export const OPERATOR_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [GROUP], resources: ["edgemodels"], verbs: ["list", "watch", "patch"] },
  { apiGroups: [GROUP], resources: ["edgemodels/status"], verbs: ["patch"] },
  // Children carry blockOwnerDeletion owner references, which need update on the owner's finalizers.
  { apiGroups: [GROUP], resources: ["edgemodels/finalizers"], verbs: ["update"] },
  { apiGroups: [GROUP], resources: ["edgeruntimes"], verbs: ["list", "watch"] },
  { apiGroups: ["apps"], resources: ["daemonsets", "controllerrevisions"], verbs: ["list", "watch", "create", "patch", "delete"] },
  { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create"] },
];

/**
 * The operator: a Deployment whose replicas elect a leader through a Lease this component creates,
 * so the Role needs no `create` on leases (which RBAC cannot limit to one name); a PodDisruptionBudget;
 * a metrics Service; a ServiceAccount bound to the rules above.
 */
export class Operator extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly lease: k8s.coordination.v1.Lease;

  constructor(name: string, args: OperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Operator", name, {}, opts);
    const parent = { parent: this };
    const namespace = args.namespace;
    const labels = componentLabels(OPERATOR);
    const meta = { name: OPERATOR, namespace, labels };

    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: meta }, parent);
    const subjects = [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }];
    clusterGrant(
      name,
      {
        name: `${args.clusterPrefix}-operator`,
        labels,
        rules: OPERATOR_CLUSTER_RULES,
        serviceAccount: { name: sa.metadata.name, namespace },
      },
      parent,
    );
    // An empty spec: the elected replica owns every field of it.
    this.lease = new k8s.coordination.v1.Lease(name, { metadata: meta, spec: {} }, parent);
    const role = new k8s.rbac.v1.Role(
      name,
      {
        metadata: meta,
        rules: [
          {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            resourceNames: [OPERATOR],
            verbs: ["get", "watch", "update", "patch"],
          },
        ],
      },
      parent,
    );
    new k8s.rbac.v1.RoleBinding(
      name,
      { metadata: meta, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects },
      parent,
    );

    const selector = selectorLabels(OPERATOR);
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: selector },
          template: edgefleetPodTemplate({
            component: OPERATOR,
            serviceAccountName: sa.metadata.name,
            apiAccess: true,
            container: {
              name: "operator",
              image: args.image,
              // Flags of packages/operator/src/options.ts (a test parses these with it). The operator
              // watches EdgeModels in every namespace; only its Lease lives in the platform's.
              args: [
                "--leader-election-namespace=$(POD_NAMESPACE)",
                `--leader-election-id=${OPERATOR}`,
                "--identity=$(POD_NAME)",
                `--log-level=${args.logLevel}`,
                `--http-address=0.0.0.0:${HTTP_PORT}`,
                `--agent-image=${args.agentImage}`,
                ...(args.prometheusUrl === undefined ? [] : [`--prometheus-url=${args.prometheusUrl}`]),
              ],
              env: [
                fieldEnv("POD_NAMESPACE", "metadata.namespace"),
                fieldEnv("POD_NAME", "metadata.name"),
                // The OpenTelemetry SDK's own variables: the operator has no tracing flags.
                ...(args.otlp === undefined
                  ? []
                  : [
                      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: args.otlp.endpoint },
                      { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: args.otlp.protocol },
                    ]),
              ],
              resources: resources({ request: "50m", limit: "500m" }, { request: "64Mi", limit: "256Mi" }),
            },
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
      },
      { ...parent, dependsOn: [this.lease, ...args.after] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      name,
      {
        metadata: meta,
        // One replica must stay up during drains; with a single replica, a drain may still proceed.
        spec: { selector: { matchLabels: selector }, ...(args.replicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }) },
      },
      parent,
    );
    new k8s.core.v1.Service(
      name,
      { metadata: meta, spec: { selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } },
      parent,
    );
    this.registerOutputs({ deployment: this.deployment.metadata.name, lease: this.lease.metadata.name });
  }
}
