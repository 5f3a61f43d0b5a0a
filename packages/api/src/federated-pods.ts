/**
 * What a FederatedTraining's pods and the operator agree on: the labels on its children, the
 * environment each pod is given, and the ConfigMap the coordinator reports its rounds in. The
 * fleet simulator (tools/src/simulator) runs kwok nodes' pods by this contract; a trainer image
 * for real nodes has to honour it too.
 */
export const FEDERATED_LABELS = {
  /** On every child: the FederatedTraining's name. */
  job: "edgefleet.io/federated-training",
  /** On pods: coordinator or client. */
  role: "edgefleet.io/federated-role",
} as const;

export const FEDERATED_ROLES = ["coordinator", "client"] as const;
export type FederatedRole = (typeof FEDERATED_ROLES)[number];

export const FEDERATED_ENV = {
  /** Both roles: the job's settings as JSON (FederatedJobConfig). */
  job: "EDGEFLEET_FL_JOB",
  /**
   * Both roles: host:port of the coordinator's Flower SuperLink Fleet API, as clients dial it (its
   * Service's name in the cluster's DNS); the coordinator's TLS certificate names this host.
   */
  superlink: "EDGEFLEET_FL_SUPERLINK",
  /** Clients: the device's data partition, its line in the progress ConfigMap's devices (from 0), or for a device that joined the running job the count of those plus its line in joined. */
  partition: "EDGEFLEET_FL_PARTITION",
  /** Coordinator: the ConfigMap (in its namespace) to write rounds.jsonl and result.json into. */
  progressConfigMap: "EDGEFLEET_FL_PROGRESS_CONFIGMAP",
} as const;

/** The port of the coordinator's Fleet API (Flower's default), which its Service exposes. */
export const SUPERLINK_FLEET_PORT = 9092;

/** Keys of the progress ConfigMap. */
export const PROGRESS_KEYS = {
  /** Written by the operator when the job starts: the devices, one node a line; a node's line number (from 0) is its partition. */
  devices: "devices",
  /**
   * Written by the operator while the job runs: the devices that became eligible after it started, one
   * node a line, in the order they joined (each write appends); the partition of line k is the number of
   * starting devices plus k.
   */
  joined: "joined",
  /** Written by the coordinator: one JSON line per finished round (FederatedRound's fields). */
  rounds: "rounds.jsonl",
  /** Written by the coordinator when training ends: roundsPlanned, finalAccuracyPercent, epsilon, model, and with spec.build, build (TrainingBuildResult). */
  result: "result.json",
  /**
   * Written by the coordinator before its Fleet API listens: the PEM certificate of the CA that
   * issued the Fleet API's TLS certificate (a CA of its own, made when it starts; its key never
   * leaves the pod). Client pods mount this key as FEDERATED_CLIENT_TLS's file: the kubelet starts
   * them once it is written, and their SuperNodes trust only that CA.
   */
  superlinkCa: "superlink-ca.crt",
} as const;

/** Where a client pod finds the CA its SuperNode trusts (the progress ConfigMap's superlinkCa, mounted read-only). */
export const FEDERATED_CLIENT_TLS = {
  dir: "/var/run/secrets/edgefleet.io/superlink",
  file: "ca.crt",
} as const;

/** The settings both roles get, as JSON in EDGEFLEET_FL_JOB. */
export interface FederatedJobConfig {
  /** Devices the job started with: the round size is devicesPerRoundPercent of them, the privacy budget is planned at that rate. */
  devices: number;
  rounds: number;
  devicesPerRoundPercent: number;
  strategy: string;
  /** FedProx's mu (strategy FedProx). */
  proximalMu?: number;
  secureAggregation: boolean;
  differentialPrivacy?: { clipNorm: number; noiseMultiplier: number; targetEpsilon: number; delta: number };
  /** Directory the coordinator writes the model into. */
  output: string;
  /** With spec.build: what the coordinator signs and pushes once training has succeeded. */
  build?: FederatedBuildConfig;
}

/** The coordinator's part of spec.build: its Secrets are mounted at FEDERATED_BUILD_MOUNTS. */
export interface FederatedBuildConfig {
  /** oci://registry[:port]/repository, without a tag. */
  to: string;
  /** The statement the model's signature covers (v2: the variant is TRAINED_MODEL_VARIANT). */
  namespace: string;
  model: string;
  version: string;
  /** Whether registry credentials are mounted; without them the registry is used anonymously. */
  registryAuth: boolean;
}

/**
 * The variant a trained model's signature names: a scoped (v2) statement needs one, and the
 * model is the build's source, not yet a variant of an EdgeModel (model publish signs each build
 * for its own variant).
 */
export const TRAINED_MODEL_VARIANT = "source";

/** Where spec.build's Secrets are mounted, read-only, in the coordinator pod. */
export const FEDERATED_BUILD_MOUNTS = {
  /** The directory of the signing key Secret's key (file signing.pem). */
  signingKeyDir: "/var/run/secrets/edgefleet.io/signing-key",
  signingKeyFile: "signing.pem",
  /** The directory of the registry credentials Secret's .dockerconfigjson (file config.json). */
  registryAuthDir: "/var/run/secrets/edgefleet.io/registry",
  registryAuthFile: "config.json",
} as const;

/** A file the coordinator pushed: what an EdgeModelBuild's source (with signatureUri) and data fields name. */
export interface PushedTrainingFile {
  /** oci://registry/repository@sha256:<manifest digest> */
  uri: string;
  sha256: string;
  sizeBytes: number;
}

/**
 * result.json's `build`, from a coordinator with spec.build: the pushed model (signature a layer
 * of the same artifact) and data, or why they were not pushed.
 */
export type TrainingBuildResult =
  | { source: PushedTrainingFile & { signatureUri: string }; calibration: PushedTrainingFile; evaluation: PushedTrainingFile }
  | { error: string };

/** Names of a job's children. */
export const federatedNames = (job: string) => ({
  progress: `${job}-progress`,
  superlink: `${job}-superlink`,
  /** The coordinator pod, and its ServiceAccount, Role and RoleBinding (patching the progress ConfigMap, nothing else). */
  coordinator: `${job}-coordinator`,
  client: (partition: number) => `${job}-client-${partition}`,
});
