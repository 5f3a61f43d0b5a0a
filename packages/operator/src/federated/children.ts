import {
  API_VERSION,
  FEDERATED_BUILD_MOUNTS,
  FEDERATED_CLIENT_TLS,
  FEDERATED_ENV,
  FEDERATED_LABELS,
  type FederatedJobConfig,
  type FederatedRole,
  type FederatedTraining,
  federatedNames,
  LABELS,
  MANAGER,
  PROGRESS_KEYS,
  SUPERLINK_FLEET_PORT,
} from "@edgefleet/api";
import type {
  V1ConfigMap,
  V1EnvVar,
  V1ObjectMeta,
  V1Pod,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { IngressPolicy } from "../controller/network-policy.js";
import { type RegistryTrust, registryTrustEnv } from "../registry-trust.js";

/**
 * A FederatedTraining's children, as pure functions of the job: the progress ConfigMap (the
 * devices it started with, then the coordinator's rounds), the SuperLink's Service, the
 * coordinator's identity (a ServiceAccount allowed to patch that ConfigMap and nothing else), the
 * coordinator pod and one client pod per device. Every child is owned by the job, so the garbage
 * collector deletes them with it.
 */

export function metadata(job: FederatedTraining, name: string, role?: FederatedRole): V1ObjectMeta {
  const { namespace, uid } = job.metadata;
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: {
      [LABELS.managedBy]: MANAGER,
      [FEDERATED_LABELS.job]: job.metadata.name ?? "",
      ...(role ? { [FEDERATED_LABELS.role]: role } : {}),
    },
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: "FederatedTraining",
        name: job.metadata.name ?? "",
        uid: uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/** The settings both roles run with: from the spec and the devices the job started with. */
export function jobConfig(job: FederatedTraining, devices: number): FederatedJobConfig {
  const s = job.spec;
  return {
    devices,
    rounds: s.rounds,
    devicesPerRoundPercent: s.devicesPerRoundPercent,
    strategy: s.strategy ?? "FedAvg",
    ...(s.strategy === "FedProx" ? { proximalMu: s.proximalMu ?? 0.01 } : {}),
    secureAggregation: s.secureAggregation ?? false,
    ...(s.differentialPrivacy ? { differentialPrivacy: s.differentialPrivacy } : {}),
    output: s.output.path,
    ...(s.build
      ? {
          build: {
            to: s.build.to,
            namespace: job.metadata.namespace ?? "default",
            model: s.model,
            version: s.build.version,
            registryAuth: s.build.registryCredentialsRef !== undefined,
          },
        }
      : {}),
  };
}

/** What the operator gives every coordinator with spec.build: how its pushes reach the registry. */
export type CoordinatorSettings = RegistryTrust;

/** spec.build's Secrets, each key mounted read-only as the file the coordinator reads (FEDERATED_BUILD_MOUNTS). */
function buildSecrets(job: FederatedTraining): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const build = job.spec.build;
  if (!build) return { volumes: [], mounts: [] };
  const m = FEDERATED_BUILD_MOUNTS;
  const secrets = [
    { name: "signing-key", secret: build.signingKeyRef.name, key: build.signingKeyRef.key, dir: m.signingKeyDir, path: m.signingKeyFile },
    ...(build.registryCredentialsRef
      ? [
          {
            name: "registry-auth",
            secret: build.registryCredentialsRef.name,
            key: ".dockerconfigjson",
            dir: m.registryAuthDir,
            path: m.registryAuthFile,
          },
        ]
      : []),
  ];
  return {
    volumes: secrets.map((s) => ({
      name: s.name,
      secret: { secretName: s.secret, items: [{ key: s.key, path: s.path }], defaultMode: 0o400 },
    })),
    mounts: secrets.map((s) => ({ name: s.name, mountPath: s.dir, readOnly: true })),
  };
}

/** Created once when the job starts: which nodes it started with. The coordinator adds its rounds. */
export function progressConfigMap(job: FederatedTraining, devices: readonly string[]): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(job, federatedNames(job.metadata.name ?? "").progress),
    data: { [PROGRESS_KEYS.devices]: devices.join("\n") },
  };
}

/** The coordinator's Fleet API, which the clients dial. */
export function superlinkService(job: FederatedTraining): V1Service {
  const name = job.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(job, federatedNames(name).superlink),
    spec: {
      selector: { [FEDERATED_LABELS.job]: name, [FEDERATED_LABELS.role]: "coordinator" },
      ports: [{ name: "fleet", port: SUPERLINK_FLEET_PORT, targetPort: SUPERLINK_FLEET_PORT }],
    },
  };
}

/**
 * The coordinator's own identity, which it writes its rounds with: a ServiceAccount, and a Role
 * (with its RoleBinding) allowing a merge patch of its job's progress ConfigMap, by name, and
 * nothing else (no get, no other object); the operator holds that verb itself, so it may grant it.
 */
export function coordinatorIdentity(job: FederatedTraining): readonly [V1ServiceAccount, V1Role, V1RoleBinding] {
  const names = federatedNames(job.metadata.name ?? "");
  const meta = metadata(job, names.coordinator);
  const rbac = "rbac.authorization.k8s.io";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
    {
      apiVersion: `${rbac}/v1`,
      kind: "Role",
      metadata: meta,
      rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [names.progress], verbs: ["patch"] }],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: "RoleBinding",
      metadata: meta,
      roleRef: { apiGroup: rbac, kind: "Role", name: names.coordinator },
      subjects: [{ kind: "ServiceAccount", name: names.coordinator, namespace: job.metadata.namespace ?? "default" }],
    },
  ];
}

/**
 * Only the job's client pods may reach the coordinator's port: Flower serves its Control and
 * Runtime APIs there too, with no caller authentication (where NetworkPolicies are enforced).
 */
export function coordinatorNetworkPolicy(job: FederatedTraining): IngressPolicy {
  const name = job.metadata.name ?? "";
  const of = (role: FederatedRole) => ({ matchLabels: { [FEDERATED_LABELS.job]: name, [FEDERATED_LABELS.role]: role } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadata(job, federatedNames(name).coordinator),
    spec: {
      podSelector: of("coordinator"),
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: of("client") }], ports: [{ protocol: "TCP", port: SUPERLINK_FLEET_PORT }] }],
    },
  };
}

/** host:port of the job's Fleet API in the cluster's DNS: what clients dial and the coordinator's certificate names. */
const superlinkAddress = (job: FederatedTraining) =>
  `${federatedNames(job.metadata.name ?? "").superlink}.${job.metadata.namespace ?? "default"}.svc:${SUPERLINK_FLEET_PORT}`;

const env = (values: Record<string, string>): V1EnvVar[] => Object.entries(values).map(([name, value]) => ({ name, value }));

/** The Flower SuperLink and ServerApp, scheduled where spec.coordinator allows; it runs once. */
export function coordinatorPod(job: FederatedTraining, config: FederatedJobConfig, settings: CoordinatorSettings = {}): V1Pod {
  const names = federatedNames(job.metadata.name ?? "");
  const nodeSelector = job.spec.coordinator?.nodeSelector;
  const secrets = buildSecrets(job);
  const trust = config.build ? registryTrustEnv(settings) : [];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadata(job, names.coordinator, "coordinator"),
    spec: {
      restartPolicy: "Never",
      serviceAccountName: names.coordinator,
      ...(nodeSelector ? { nodeSelector } : {}),
      containers: [
        {
          name: "coordinator",
          image: job.spec.trainer.image,
          args: ["coordinator"],
          env: [
            ...env({
              [FEDERATED_ENV.job]: JSON.stringify(config),
              [FEDERATED_ENV.progressConfigMap]: names.progress,
              [FEDERATED_ENV.superlink]: superlinkAddress(job),
            }),
            ...trust,
          ],
          ports: [{ name: "fleet", containerPort: SUPERLINK_FLEET_PORT }],
          volumeMounts: [{ name: "output", mountPath: job.spec.output.path }, ...secrets.mounts],
          // A trainer that fails without a termination message leaves its log's last lines there: the job's status says why.
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [{ name: "output", hostPath: { path: job.spec.output.path, type: "DirectoryOrCreate" } }, ...secrets.volumes],
    },
  };
}

/**
 * A device's Flower SuperNode, pinned to its node; restarted by the kubelet if it fails. It mounts
 * the coordinator's CA from the progress ConfigMap: until the coordinator has written it, the
 * kubelet does not start the container (the key is required), and its SuperNode trusts that CA only.
 */
export function clientPod(job: FederatedTraining, config: FederatedJobConfig, node: string, partition: number): V1Pod {
  const names = federatedNames(job.metadata.name ?? "");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadata(job, names.client(partition), "client"),
    spec: {
      nodeName: node,
      restartPolicy: "OnFailure",
      // A SuperNode calls no Kubernetes API: no token on the devices.
      automountServiceAccountToken: false,
      containers: [
        {
          name: "client",
          image: job.spec.trainer.image,
          args: ["client"],
          env: env({
            [FEDERATED_ENV.job]: JSON.stringify(config),
            [FEDERATED_ENV.superlink]: superlinkAddress(job),
            [FEDERATED_ENV.partition]: String(partition),
          }),
          volumeMounts: [{ name: "superlink-ca", mountPath: FEDERATED_CLIENT_TLS.dir, readOnly: true }],
        },
      ],
      volumes: [
        {
          name: "superlink-ca",
          configMap: { name: names.progress, items: [{ key: PROGRESS_KEYS.superlinkCa, path: FEDERATED_CLIENT_TLS.file }] },
        },
      ],
    },
  };
}

/**
 * Every child of a job that starts on devices (client i on devices[i]), in the order the operator
 * creates them: for tools and tests that run a job's pods on nodes the controller would not pick
 * (two clients on one real node, say). decide starts a job with these pods; the controller creates
 * the other objects when it starts one.
 */
export function federatedChildren(job: FederatedTraining, devices: readonly string[], settings: CoordinatorSettings = {}) {
  const config = jobConfig(job, devices.length);
  return {
    progress: progressConfigMap(job, devices),
    service: superlinkService(job),
    identity: coordinatorIdentity(job),
    networkPolicy: coordinatorNetworkPolicy(job),
    coordinator: coordinatorPod(job, config, settings),
    clients: devices.map((node, i) => clientPod(job, config, node, i)),
  };
}
