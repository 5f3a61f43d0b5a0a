import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HTTP_PORT, NODE_IDENTITY_DIR } from "./contract.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, podSecurity, resources, selectorLabels } from "./pod.js";

export interface AgentArgs {
  readonly namespace: pulumi.Input<string>;
  readonly image: string;
  /** Broker URL, or undefined when the platform runs no broker (the agent then only serves /metrics). */
  readonly mqttUrl: pulumi.Input<string> | undefined;
}

export const AGENT = "edgefleet-edge-agent";

/**
 * The edge agent on every node: reads inference latency, power and temperature from the device
 * and publishes them under the node's own MQTT topics. Its MQTT identity is the node's, kept on
 * the host (provisioned with the node), so a pod can only ever speak for the node it runs on.
 */
export class Agent extends pulumi.ComponentResource {
  constructor(name: string, args: AgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Agent", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels(AGENT);
    const meta = { name: AGENT, namespace: args.namespace, labels };
    const selector = selectorLabels(AGENT);
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: false }, parent);
    const mqttArgs = args.mqttUrl ? [pulumi.interpolate`--mqtt-url=${args.mqttUrl}`, `--mqtt-identity-dir=${NODE_IDENTITY_DIR}`] : [];
    const hostDir = (volume: string, path: string, mountPath: string) => ({
      volume: { name: volume, hostPath: { path, type: "Directory" } },
      mount: { name: volume, mountPath, readOnly: true },
    });
    const mounts = [
      hostDir("sys", "/sys", "/host/sys"),
      ...(args.mqttUrl ? [hostDir("mqtt-identity", NODE_IDENTITY_DIR, NODE_IDENTITY_DIR)] : []),
    ];
    new k8s.apps.v1.DaemonSet(
      name,
      {
        metadata: meta,
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
          template: edgefleetPodTemplate({
            component: AGENT,
            serviceAccountName: sa.metadata.name,
            apiAccess: false,
            container: {
              name: "agent",
              image: args.image,
              args: ["--node-name=$(NODE_NAME)", `--http-port=${HTTP_PORT}`, "--sysfs=/host/sys", ...mqttArgs],
              env: [fieldEnv("NODE_NAME", "spec.nodeName")],
              resources: resources({ request: "10m", limit: "200m" }, { request: "32Mi", limit: "128Mi" }),
              mounts: mounts.map((m) => m.mount),
            },
            volumes: mounts.map((m) => m.volume),
            pod: {
              // Every node, whatever its taints: a node without an agent is invisible to the platform.
              tolerations: [{ operator: "Exists" }],
              priorityClassName: "system-node-critical",
              // Root group only to read the node's identity files (0640 root:root); the user stays non-root.
              securityContext: { ...podSecurity(), supplementalGroups: [0] },
            },
          }),
        },
      },
      parent,
    );
    this.registerOutputs({});
  }
}
