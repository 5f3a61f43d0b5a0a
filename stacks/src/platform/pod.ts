import { IMAGE_UID } from "@edgefleet/api";
import type { core } from "@pulumi/kubernetes/types/input.js";
import { HTTP_PORT } from "./contract.js";

/** Recommended labels of one platform component; the first two select its pods. */
export function componentLabels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "edgefleet",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

export const selectorLabels = (component: string) => ({ "app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "edgefleet" });

/** Non-root, default seccomp profile; the uid is the image's own user (65532 for edgefleet's distroless images). */
export function podSecurity(uid = IMAGE_UID): core.v1.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Read-only root filesystem, no privilege escalation, no capabilities. */
export const CONTAINER_SECURITY: core.v1.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

/** Limits on every container: an edge node is small and shared with the models it serves. */
export function resources(
  cpu: { request: string; limit: string },
  memory: { request: string; limit: string },
): core.v1.ResourceRequirements {
  return { requests: { cpu: cpu.request, memory: memory.request }, limits: { cpu: cpu.limit, memory: memory.limit } };
}

/** A writable /tmp, since the root filesystem is read-only. */
const TMP = {
  volume: { name: "tmp", emptyDir: { sizeLimit: "64Mi" } } satisfies core.v1.Volume,
  mount: { name: "tmp", mountPath: "/tmp" } satisfies core.v1.VolumeMount,
};

/**
 * /metrics, /healthz and /readyz on the http port (the contract of edgefleet's images). /healthz
 * fails while the event loop lags past --max-event-loop-lag (2 s), and a loop stalled past the
 * probe's 1 s default timeout fails it anyway; three failures 10 s apart restart the pod, so one
 * lag spike does not.
 */
function httpProbes(port: string): Pick<core.v1.Container, "livenessProbe" | "readinessProbe"> {
  return {
    livenessProbe: { httpGet: { path: "/healthz", port }, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: "/readyz", port }, periodSeconds: 5 },
  };
}

/** Downward-API env: the pod's namespace, name and node. */
export const fieldEnv = (name: string, fieldPath: string): core.v1.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** V8's heap flags for a Node.js container, so that V8 collects before the cgroup limit kills the process. */
export const nodeOptionsEnv = (flags: string): core.v1.EnvVar => ({ name: "NODE_OPTIONS", value: flags });

/** Annotations for Prometheus' pod discovery when no Prometheus Operator selects by Service. */
const scrapeAnnotations = (port: number) => ({
  "prometheus.io/scrape": "true",
  "prometheus.io/port": String(port),
  "prometheus.io/path": "/metrics",
});

/** One of edgefleet's own images (operator, gateway, agent) as the single container of a pod. */
export interface EdgefleetPod {
  readonly component: string;
  /** Pod labels beyond the component's, e.g. what tells apart the pods of sibling workloads. */
  readonly labels?: Record<string, string>;
  /** Pod annotations beyond the scrape ones, e.g. a config hash that rolls the pods when it changes. */
  readonly annotations?: Record<string, string>;
  readonly serviceAccountName: string;
  /** Mount the service-account token: only the operator and the agents talk to the API server. */
  readonly apiAccess: boolean;
  readonly container: {
    readonly name: string;
    readonly image: string;
    readonly args: string[];
    readonly env?: core.v1.EnvVar[];
    readonly resources: core.v1.ResourceRequirements;
    readonly mounts?: core.v1.VolumeMount[];
  };
  readonly volumes?: core.v1.Volume[];
  /** Further pod fields (affinity, tolerations, ...); securityContext here replaces the default. */
  readonly pod?: Omit<core.v1.PodSpec, "containers">;
}

/**
 * The pod template every edgefleet image gets: the image contract's http port with /metrics and
 * probes, scrape annotations, non-root and read-only, a writable /tmp.
 */
export function edgefleetPodTemplate(p: EdgefleetPod): core.v1.PodTemplateSpec {
  const c = p.container;
  return {
    metadata: {
      labels: { ...componentLabels(p.component), ...p.labels },
      annotations: { ...scrapeAnnotations(HTTP_PORT), ...p.annotations },
    },
    spec: {
      serviceAccountName: p.serviceAccountName,
      automountServiceAccountToken: p.apiAccess,
      securityContext: podSecurity(),
      ...p.pod,
      containers: [
        {
          name: c.name,
          image: c.image,
          args: c.args,
          ...(c.env ? { env: c.env } : {}),
          ports: [{ name: "http", containerPort: HTTP_PORT }],
          ...httpProbes("http"),
          resources: c.resources,
          securityContext: CONTAINER_SECURITY,
          volumeMounts: [TMP.mount, ...(c.mounts ?? [])],
        },
      ],
      volumes: [TMP.volume, ...(p.volumes ?? [])],
    },
  };
}
