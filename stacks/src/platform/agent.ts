import { ARTIFACT_CACHE_DIR, LABELS } from "@edgefleet/api";
import type { core } from "@pulumi/kubernetes/types/input.js";
import { classAccelerators, classSensors, SITE_LABEL } from "../k3s/hardware.js";
import { HTTP_PORT, NODE_IDENTITY_DIR, NODE_SPOOL_DIR } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import {
  CONTAINER_SECURITY,
  componentLabels,
  edgefleetPodTemplate,
  fieldEnv,
  nodeOptionsEnv,
  podSecurity,
  resources,
  selectorLabels,
} from "./pod.js";

export interface AgentConfig {
  readonly namespace: string;
  readonly image: string;
  /** The site's name; agents run only on nodes labelled with it, the one site the broker's ACL admits. */
  readonly site: string;
  /** One DaemonSet per hardware class: a pod cannot read its node's labels through the downward API. */
  readonly hardwareClasses: readonly string[];
  readonly brokerUrl: string;
}

export const AGENT = "edgefleet-edge-agent";

/** Where the host's /sys and /proc appear in the agent's container (its --sysfs-root). */
const HOST_ROOT = "/host";

/**
 * The agent's flags (packages/edge-agent/src/agent/options.ts parses them; a test does so with these).
 * The node name comes from the downward API; the site and class are literal per DaemonSet. The
 * accelerators too: the container sees no host /dev, so the agent's detection would miss them.
 * It probes the runtime pods the operator assigns to its node, read from the node's retained
 * assignments topic on the broker (the agent never talks to the API server), and
 * reads the sensors its class has (classSensors): without a power sensor, a model's
 * slo.maxPowerWatts cannot be judged and its rollouts are held.
 */
export function agentArgs(a: { site: string; hardwareClass: string; brokerUrl: string }): string[] {
  const accelerators = classAccelerators(a.hardwareClass);
  return [
    `--site=${a.site}`,
    "--node=$(NODE_NAME)",
    `--hardware-class=${a.hardwareClass}`,
    ...(accelerators === undefined ? [] : [`--accelerators=${accelerators.join(",")}`]),
    `--sensors=${classSensors(a.hardwareClass).join(",")}`,
    `--broker-url=${a.brokerUrl}`,
    `--tls-ca=${NODE_IDENTITY_DIR}/ca.crt`,
    `--tls-cert=${NODE_IDENTITY_DIR}/tls.crt`,
    `--tls-key=${NODE_IDENTITY_DIR}/tls.key`,
    `--sysfs-root=${HOST_ROOT}`,
    `--spool-dir=${NODE_SPOOL_DIR}`,
    `--artifact-cache-dir=${ARTIFACT_CACHE_DIR}`,
    `--http-address=0.0.0.0:${HTTP_PORT}`,
    "--runtime-assignments",
  ];
}

/** A host directory in the container; type Directory, so a missing one fails the pod visibly. */
function hostDir(volume: string, path: string, mountPath: string, readOnly = true): { volume: core.v1.Volume; mount: core.v1.VolumeMount } {
  return { volume: { name: volume, hostPath: { path, type: "Directory" } }, mount: { name: volume, mountPath, readOnly } };
}

const MOUNTS = [
  hostDir("sys", "/sys", `${HOST_ROOT}/sys`),
  hostDir("proc", "/proc", `${HOST_ROOT}/proc`),
  hostDir("mqtt-identity", NODE_IDENTITY_DIR, NODE_IDENTITY_DIR),
  // Made by the node's provisioning, owned by the agent's user (see NODE_SPOOL_DIR).
  hostDir("spool", NODE_SPOOL_DIR, NODE_SPOOL_DIR, false),
  // Writable: the agent deletes the refusal files the runtime pods' verify-artifact containers leave.
  hostDir("artifacts", ARTIFACT_CACHE_DIR, ARTIFACT_CACHE_DIR, false),
];

/**
 * The group that may read the node's RAPL energy counters: one of Debian's reserved ids
 * (65000-65533), which no host user or distribution package has, nor edgefleet's images (65532).
 */
export const RAPL_READER_GID = 65530;

/** Where the RAPL step sees the host's /sys/devices/virtual (powercap's real files; /sys/class/powercap only links there). */
const HOST_VIRTUAL_DEVICES = "/host/sys/devices/virtual";

/**
 * Gives RAPL_READER_GID read access to each energy_uj file (root:root 0400 since Linux 5.10, for the
 * PLATYPUS power side channel, CVE-2020-8694): group RAPL_READER_GID, mode 0440. It runs as uid 0,
 * which owns the files, in that group, so the kernel lets it change their group and mode without
 * any capability: every capability is dropped. The agent then reads them as its non-root user
 * with RAPL_READER_GID as a supplementary group, and no other user of the node gains the side
 * channel. Why not the alternatives: CAP_DAC_READ_SEARCH added to a non-root container is never
 * effective (runtimes set no ambient capabilities, kubernetes/kubernetes#56374), and running the
 * agent as root would give a long-running network client what this one-shot step needs. The mount
 * is /sys/devices/virtual because its powercap directory is missing on nodes without RAPL (a VM),
 * where a hostPath of it would keep the agent from starting; the step then changes nothing. A
 * refusal (a security module's) is logged, not fatal: an agent without RAPL beats none at all.
 * Sysfs forgets the change when the node reboots, when the pod's init step runs again.
 */
const RAPL_SCRIPT = `const fs = require("node:fs");
const root = "${HOST_VIRTUAL_DEVICES}/powercap";
let opened = 0;
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = dir + "/" + e.name;
    if (e.isDirectory() && e.name.startsWith("intel-rapl")) walk(path);
    else if (e.name === "energy_uj") { fs.chownSync(path, -1, ${RAPL_READER_GID}); fs.chmodSync(path, 0o440); opened++; }
  }
};
try {
  if (fs.existsSync(root)) walk(root);
  console.log(opened ? "RAPL: " + opened + " energy_uj file(s) readable by group ${RAPL_READER_GID}" : "RAPL: no powercap zones on this node");
} catch (err) {
  console.error("RAPL: energy counters left root-only, the agent reports no RAPL power: " + err.message);
}`;

function raplAccess(image: string): { init: core.v1.Container; volume: core.v1.Volume } {
  const mount = hostDir("virtual-devices", "/sys/devices/virtual", HOST_VIRTUAL_DEVICES, false);
  return {
    init: {
      name: "rapl-access",
      image,
      command: ["/nodejs/bin/node", "-e", RAPL_SCRIPT],
      securityContext: { ...CONTAINER_SECURITY, runAsNonRoot: false, runAsUser: 0, runAsGroup: RAPL_READER_GID },
      resources: resources({ request: "10m", limit: "100m" }, { request: "32Mi", limit: "64Mi" }),
      volumeMounts: [mount.mount],
    },
    volume: mount.volume,
  };
}

/**
 * The edge agent on every node of the site: reads inference latency, power and temperature from
 * the device and publishes them under the node's own MQTT topics. Its MQTT identity is the node's,
 * kept on the host (provisioned with the node), so a pod can only ever speak for the node it runs
 * on. One DaemonSet per hardware class, selected by the node's class and site labels, since the
 * agent must be told its class and the downward API exposes no node labels to a pod.
 */
export function agentManifests(a: AgentConfig): Manifest[] {
  const labels = componentLabels(AGENT);
  const serviceAccount = { name: AGENT, namespace: a.namespace };
  // No token and no RBAC: the agent learns its runtimes over MQTT, so a device holds no API credential.
  const out = [manifest("v1", "ServiceAccount", { metadata: { ...serviceAccount, labels }, automountServiceAccountToken: false })];
  for (const hardwareClass of a.hardwareClasses) {
    const classLabel = { [LABELS.hardwareClass]: hardwareClass };
    const rapl = classSensors(hardwareClass).includes("rapl") ? raplAccess(a.image) : undefined;
    // The class label tells the DaemonSets' pods apart (selectors must not overlap).
    const template = edgefleetPodTemplate({
      component: AGENT,
      labels: classLabel,
      serviceAccountName: AGENT,
      apiAccess: false,
      container: {
        name: "agent",
        image: a.image,
        args: agentArgs({ site: a.site, hardwareClass, brokerUrl: a.brokerUrl }),
        env: [fieldEnv("NODE_NAME", "spec.nodeName"), nodeOptionsEnv("--max-old-space-size=96")],
        // Measured (BENCHMARKS.md): ~6 ms CPU/s at 1 Hz, RSS ~90 MiB as compiled JavaScript
        // (122 MiB under tsx, which the images do not use); the rest is headroom for spool replay.
        resources: resources({ request: "10m", limit: "250m" }, { request: "96Mi", limit: "192Mi" }),
        mounts: MOUNTS.map((m) => m.mount),
      },
      volumes: [...MOUNTS.map((m) => m.volume), ...(rapl ? [rapl.volume] : [])],
      pod: {
        ...(rapl ? { initContainers: [rapl.init] } : {}),
        nodeSelector: { ...classLabel, [SITE_LABEL]: a.site },
        // Every such node, whatever its taints: a node without an agent is invisible to the platform.
        tolerations: [{ operator: "Exists" }],
        priorityClassName: "system-node-critical",
        // Root group only to read the node's identity files (0640 root:root); the user stays non-root.
        // RAPL's group to read the energy counters the init step opened to it.
        securityContext: { ...podSecurity(), supplementalGroups: rapl ? [0, RAPL_READER_GID] : [0] },
      },
    });
    const selector = { ...selectorLabels(AGENT), ...classLabel };
    const metadata = { name: `${AGENT}-${hardwareClass}`, namespace: a.namespace, labels: { ...labels, ...classLabel } };
    out.push(
      manifest(
        "apps/v1",
        "DaemonSet",
        {
          metadata,
          spec: {
            selector: { matchLabels: selector },
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
            template,
          },
        },
        hardwareClass,
      ),
    );
  }
  return out;
}
