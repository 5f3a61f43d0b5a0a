import type { EdgeRuntime } from "@edgefleet/api";
import { API_VERSION, ARTIFACT_BLOBS_DIR, LABELS, LOAD_KEY_ENV, MANAGER, MODEL_LOADER_COMMAND, MODEL_SERVER_ENV } from "@edgefleet/api";
import type {
  V1Container,
  V1DaemonSet,
  V1EnvVar,
  V1OwnerReference,
  V1Secret,
  V1Service,
  V1Toleration,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { IngressPolicy } from "../controller/network-policy.js";
import { modelRepositoryMount, modelRepositoryVolume } from "./artifact-volume.js";
import { childName } from "./names.js";
import { oipProbes, runtimePorts } from "./runtime-container.js";

/*
 * A runtime with serving: Shared runs once per node for a namespace's models on one hardware class
 * and accelerator: a DaemonSet of its own (the server), which holds the accelerator's device, a
 * Service that keeps traffic on the node (internalTrafficPolicy: Local), a Secret with the key its
 * model repository API requires, and a NetworkPolicy that lets only the namespace's model loaders
 * reach it. Each model's pods run the model loader (the edge-agent image) in place of the runtime.
 */

/** Where the model loader serves the model on its pod, as a runtime of its own would. */
export const LOADER_PORT = 8080;
const LOAD_KEY_SECRET_KEY = "key";
const SERVER_CONTAINER = "server";
const LOADER_CONTAINER = "model-loader";

/** What identifies one server: the namespace's models with this runtime on this class and accelerator. */
export interface ServerKey {
  namespace: string;
  runtime: string;
  hardwareClass: string;
  accelerator: string;
}

export function isShared(runtime: EdgeRuntime): boolean {
  return runtime.spec.serving === "Shared";
}

/** The server's DaemonSet, Service and NetworkPolicy name. */
export function serverName(key: Omit<ServerKey, "namespace">): string {
  return childName(key.runtime, key.hardwareClass, key.accelerator, "server");
}

/** The Secret holding the server's load key. */
export function loadKeySecretName(server: string): string {
  return childName(server, "load-key");
}

function httpPort(runtime: EdgeRuntime): number {
  const http = runtime.spec.ports?.find((p) => p.name === "http");
  if (!http) throw new Error(`EdgeRuntime ${runtime.metadata.name} has serving Shared but no port named http`);
  return http.containerPort;
}

function loadKeyEnv(server: string): V1EnvVar {
  return { name: LOAD_KEY_ENV, valueFrom: { secretKeyRef: { name: loadKeySecretName(server), key: LOAD_KEY_SECRET_KEY } } };
}

/** The pod's labels that select the server's pods. */
function serverSelector(server: string): Record<string, string> {
  return { [LABELS.runtimeServer]: server };
}

const labels = (server: string) => ({ ...serverSelector(server), [LABELS.managedBy]: MANAGER, [LABELS.partOf]: "edgefleet" });

function runtimeOwner(runtime: EdgeRuntime): V1OwnerReference {
  const { name = "", uid = "" } = runtime.metadata;
  // Owned by the (cluster-scoped) runtime, so deleting it takes its servers along; the models
  // using a server come and go, and the operator deletes a server no model uses.
  return { apiVersion: API_VERSION, kind: "EdgeRuntime", name, uid };
}

export interface ServerSpec extends ServerKey {
  runtimeObject: EdgeRuntime;
  /** Labels a node of the class carries (the class label when labelled, and the binding's nodeSelector). */
  nodeSelector: Record<string, string>;

  /** The accelerator's resources: the device the server holds for every model on it. */
  resources: Record<string, string>;
  /** What the models it serves tolerate (their union): the server runs where they do. */
  tolerations: readonly V1Toleration[];
}

/** The objects one server consists of, but its Secret (created once: its key must not change under loaded models). */
export function desiredServer(s: ServerSpec): { daemonSet: V1DaemonSet; service: V1Service; networkPolicy: IngressPolicy } {
  const name = serverName(s);
  const runtime = s.runtimeObject;
  const port = httpPort(runtime);
  const metadata = {
    name,
    namespace: s.namespace,
    labels: { ...labels(name), [LABELS.hardwareClass]: s.hardwareClass },
    ownerReferences: [runtimeOwner(runtime)],
  };
  const container: V1Container = {
    name: SERVER_CONTAINER,
    image: runtime.spec.image,
    ...(runtime.spec.command ? { command: runtime.spec.command } : {}),
    ...(runtime.spec.args ? { args: runtime.spec.args } : {}),
    // The load key first: $(EDGEFLEET_LOAD_KEY) in args expands only to variables defined before.
    env: [loadKeyEnv(name), { name: "EDGEFLEET_ACCELERATOR", value: s.accelerator }, ...(runtime.spec.env ?? [])],
    ports: runtimePorts(runtime),
    ...(Object.keys(s.resources).length ? { resources: { limits: s.resources } } : {}),
    // An empty model repository: Triton requires one even under explicit model control, where
    // every model comes in its load request (edgefleet's CPU runtime ignores it).
    volumeMounts: [modelRepositoryMount(true)],
    ...oipProbes(),
  };
  return {
    daemonSet: {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata,
      spec: {
        selector: { matchLabels: serverSelector(name) },
        template: {
          metadata: {
            labels: metadata.labels,
            annotations: { "edgefleet.io/runtime": runtime.metadata.name ?? "", "edgefleet.io/accelerator": s.accelerator },
          },
          spec: {
            nodeSelector: s.nodeSelector,
            ...(s.tolerations.length ? { tolerations: [...s.tolerations] } : {}),
            // A server talks to no API server: the models come through its model repository API.
            automountServiceAccountToken: false,
            containers: [container],
            volumes: [modelRepositoryVolume],
          },
        },
      },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: {
        selector: serverSelector(name),
        ports: [{ name: "http", port, targetPort: port, protocol: "TCP" }],
        // Each model loader loads into the server of its own node, never another node's.
        internalTrafficPolicy: "Local",
      },
    },
    networkPolicy: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata,
      spec: {
        podSelector: { matchLabels: serverSelector(name) },
        policyTypes: ["Ingress"],
        // The model repository API loads code into the server (a model is code to its engine): only
        // the model loaders of the server's own models reach it, and they hold the key as well.
        ingress: [{ from: [{ podSelector: { matchLabels: { [LABELS.modelServer]: name } } }], ports: [{ protocol: "TCP", port }] }],
      },
    },
  };
}

/** The server's Secret: a random key, made once by the operator. */
export function loadKeySecret(key: ServerKey, runtime: EdgeRuntime, value: string): V1Secret {
  const name = serverName(key);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: loadKeySecretName(name), namespace: key.namespace, labels: labels(name), ownerReferences: [runtimeOwner(runtime)] },
    type: "Opaque",
    stringData: { [LOAD_KEY_SECRET_KEY]: value },
  };
}

/**
 * The container of a model's pods on a Shared runtime: the model loader, which loads the file the
 * init container verified into the node's server and serves the model's routes through it.
 */
export function loaderContainer(o: {
  key: ServerKey;
  runtime: EdgeRuntime;
  image: string;
  env: V1EnvVar[];
  requests: Record<string, string>;
  /** The artifact cache, read-only. */
  mount: V1VolumeMount;
}): V1Container {
  const name = serverName(o.key);
  const url = `http://${name}.${o.key.namespace}.svc:${httpPort(o.runtime)}`;
  return {
    name: LOADER_CONTAINER,
    image: o.image,
    command: MODEL_LOADER_COMMAND,
    args: [`--model-path=${ARTIFACT_BLOBS_DIR}/$(EDGEFLEET_ARTIFACT_SHA256)`],
    env: [...o.env, { name: MODEL_SERVER_ENV, value: url }, loadKeyEnv(name)],
    volumeMounts: [o.mount],
    ports: [{ name: "http", containerPort: LOADER_PORT, protocol: "TCP" }],
    // Requests only: they reserve the model's memory on the node for the server that holds it; the
    // loader itself keeps the file's bytes (to load it again after a server restart) and no more.
    ...(Object.keys(o.requests).length ? { resources: { requests: o.requests } } : {}),
    ...oipProbes(),
  };
}
