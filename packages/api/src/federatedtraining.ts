import type { V1ObjectMeta } from "@kubernetes/client-node";
import { type Static, Type } from "@sinclair/typebox";
import { ConditionSchema, NodeSelectorSchema } from "./common.js";
import { BUILD_SPEC_RULES, EdgeModelBuildSpecSchema } from "./edgemodelbuild.js";
import { cel, DnsLabel, StringEnum } from "./kube-schema.js";

/**
 * The strategies a FederatedTraining may ask for: only those edgefleet's Flower app runs
 * (tools/src/federated/app), so the API never accepts a job the system cannot do.
 */
export const FEDERATED_STRATEGIES = ["FedAvg", "FedProx"] as const;
export type FederatedStrategy = (typeof FEDERATED_STRATEGIES)[number];

const EligibilitySchema = Type.Object(
  {
    hardwareClasses: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 63, description: "A hardware class (edgefleet.io/hardware-class node label)." }), {
        minItems: 1,
        maxItems: 64,
        "x-kubernetes-list-type": "set",
        description: "Only nodes of these hardware classes train; unset means every class.",
      }),
    ),
    nodeSelector: Type.Optional(
      NodeSelectorSchema('Only nodes carrying all these labels train, e.g. {"edgefleet.io/site": "factory-a"}; unset means every node.'),
    ),
    maxTemperatureCelsius: Type.Optional(
      Type.Number({
        minimum: -40,
        maximum: 150,
        description:
          "Nodes whose hottest sensor reads above this (the gateway's edgefleet_device_*_temperature_celsius, latest value) are not eligible. Needs the operator's --prometheus-url; without an answer from it, eligibility falls back to labels alone (condition Degraded, reason TelemetryUnavailable).",
      }),
    ),
    excludeThrottled: Type.Optional(
      Type.Boolean({
        description:
          "Nodes reporting throttling (edgefleet_device_throttled at 1) are not eligible. Needs the operator's --prometheus-url, as maxTemperatureCelsius.",
      }),
    ),
    maxCpuUtilizationPercent: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        format: "int32",
        description:
          "Nodes whose CPUs were busier than this, in percent, on average over the last 5 minutes (the gateway's edgefleet_device_cpu_utilization_ratio{cpu=\"all\"}) are not eligible: training beside a busy inference runtime slows both. Needs the operator's --prometheus-url, as maxTemperatureCelsius.",
      }),
    ),
    maxRecentDisconnects: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: "int32",
        description:
          "Nodes whose agent went offline more often than this in the last hour (falls of the gateway's edgefleet_device_up to 0) are not eligible. Needs the operator's --prometheus-url, as maxTemperatureCelsius.",
      }),
    ),
  },
  {
    description:
      "Which nodes may train: chosen when the job starts and checked again as rounds go on; a node that stops being eligible loses its client (Flower carries on with the others).",
  },
);

const PrivacySchema = Type.Object(
  {
    clipNorm: Type.Number({ exclusiveMinimum: 0, description: "L2 norm each device's update is clipped to before aggregation, e.g. 1.0." }),
    noiseMultiplier: Type.Number({
      exclusiveMinimum: 0,
      description: "Standard deviation of the Gaussian noise added to the aggregate, over clipNorm, e.g. 1.0.",
    }),
    targetEpsilon: Type.Number({
      exclusiveMinimum: 0,
      description:
        "The privacy budget: no round runs that would spend more (dp-accounting's RDP accountant); the job then ends with condition BudgetSpent.",
    }),
    delta: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description: "Delta of the (epsilon, delta) budget, e.g. 1e-5.",
    }),
  },
  { description: "Central differential privacy: updates clipped on the devices, Gaussian noise on the aggregate (Flower's DP wrappers)." },
);

/** The EdgeModelBuild spec fields the training supplies; the template holds the rest. */
export const TRAINING_SUPPLIED = ["model", "version", "source", "calibration", "evaluation"] as const;

const omitted = Type.Omit(EdgeModelBuildSpecSchema, [...TRAINING_SUPPLIED], {
  description:
    "The EdgeModelBuild's spec without model, version, source, calibration and evaluation, which the training supplies (targets, maxAccuracyDropPoints, nodeSelector, ...).",
});
/**
 * The EdgeModelBuild's spec less what the training supplies: derived, so a field added to
 * EdgeModelBuild appears here by itself. Of EdgeModelBuild's spec-level rules it carries those
 * that hold on the template alone (publish needs a servable target), so the API server refuses a
 * job whose build it would refuse; the calibration rule names calibration, which the template
 * lacks and the training always supplies (the coordinator pushes it with the model).
 */
const { "x-kubernetes-validations": _buildRules, ...template } = omitted;
export const BuildTemplateSchema = {
  ...template,
  "x-kubernetes-validations": [BUILD_SPEC_RULES.publishServable],
} as typeof omitted;

const SecretKeyRef = (description: string) =>
  Type.Object(
    {
      name: DnsLabel({ description: "Name of the Secret, in the FederatedTraining's namespace." }),
      key: Type.String({ minLength: 1, maxLength: 253, pattern: "^[-._a-zA-Z0-9]+$", description: "Key within the Secret." }),
    },
    { description },
  );

const BuildSchema = Type.Object(
  {
    to: Type.String({
      minLength: 8,
      maxLength: 1024,
      pattern: "^oci://[^/]+/[^:@]+$",
      description:
        "The OCI repository, oci://registry[:port]/repository without a tag, the coordinator pushes the trained model (with its signature) and its calibration and evaluation data to, tagged VERSION, VERSION-calibration and VERSION-evaluation.",
    }),
    version: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
      description: 'Version the trained model gets, e.g. "2.0": what its signature names and the EdgeModelBuild\'s spec.version.',
    }),
    signingKeyRef: SecretKeyRef(
      "The Ed25519 private key (PKCS#8 PEM, tools/edgefleet artifacts sign --generate-key) the coordinator signs the trained model with: mounted read-only into the coordinator pod only.",
    ),
    publicKeyRef: SecretKeyRef(
      "Its public key (SPKI PEM): the EdgeModelBuild's spec.source.signature.publicKeyRef, which the build verifies the trained model with.",
    ),
    registryCredentialsRef: Type.Optional(
      Type.Object(
        {
          name: DnsLabel({
            description:
              "Name of a kubernetes.io/dockerconfigjson Secret in the FederatedTraining's namespace (kubectl create secret docker-registry).",
          }),
        },
        {
          description:
            "Credentials to push to `to` with: mounted read-only into the coordinator pod, and named as the build source's pullSecretRef. Without it the registry is used anonymously.",
        },
      ),
    ),
    template: BuildTemplateSchema,
  },
  {
    description:
      "Hands the trained model on to a model build: once training succeeds, the coordinator signs the model for (namespace, model, version) and pushes it and its data to `to`, and the operator creates an EdgeModelBuild named after the job from template and what was pushed.",
  },
);
export type FederatedBuild = Static<typeof BuildSchema>;

export const FederatedTrainingSpecSchema = Type.Object(
  {
    model: DnsLabel({ description: "Name of the model trained: the EdgeModel its result is meant to become a version of." }),
    trainer: Type.Object(
      {
        image: Type.String({
          minLength: 1,
          maxLength: 512,
          description:
            "Container image of the Flower app (server and client code) the coordinator and client pods run; the fleet simulator runs edgefleet's digits app for kwok nodes instead.",
        }),
      },
      { description: "The app team's training code." },
    ),
    rounds: Type.Integer({
      minimum: 1,
      maximum: 1000,
      format: "int32",
      description: "Rounds of training (fewer when the privacy budget runs out).",
    }),
    devicesPerRoundPercent: Type.Integer({
      minimum: 1,
      maximum: 100,
      format: "int32",
      description: "Share of the eligible devices sampled for each round, in percent (at least two devices a round).",
    }),
    minDevices: Type.Optional(
      Type.Integer({
        minimum: 2,
        maximum: 10000,
        format: "int32",
        default: 2,
        description:
          "Fewest eligible devices the job starts with; until then it waits (condition Progressing False, reason NotEnoughDevices).",
      }),
    ),
    eligibility: Type.Optional(EligibilitySchema),
    strategy: Type.Optional(
      StringEnum(FEDERATED_STRATEGIES, {
        default: "FedAvg",
        description:
          "How the server combines the devices' updates: FedAvg (Flower's, weighted by each device's samples), or FedProx (Flower's: FedAvg with a proximal term in each device's training, for non-IID data).",
      }),
    ),
    proximalMu: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 10,
        default: 0.01,
        description: "FedProx's mu: how strongly each device's training is held near the global weights. Used by strategy FedProx only.",
      }),
    ),
    secureAggregation: Type.Optional(
      Type.Boolean({
        description:
          "Aggregate with SecAgg+ (Flower's): the server only sees the sum of masked updates; a round survives up to half of its devices dropping out.",
      }),
    ),
    differentialPrivacy: Type.Optional(PrivacySchema),
    output: Type.Object(
      {
        path: Type.String({
          minLength: 2,
          maxLength: 1024,
          pattern: "^/[^\\x00]*$",
          description:
            "Absolute directory on the coordinator's node (a hostPath volume of the coordinator pod) where the trained model (digits-federated.onnx) and the data to build and measure it are written.",
        }),
      },
      { description: "Where the trained model goes." },
    ),
    build: Type.Optional(BuildSchema),
    coordinator: Type.Optional(
      Type.Object(
        {
          nodeSelector: Type.Optional(
            NodeSelectorSchema("Nodes the coordinator (Flower SuperLink and ServerApp) may be scheduled on; unset means any node."),
          ),
        },
        { description: "Where the coordinator runs." },
      ),
    ),
    stallAfterSeconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        format: "int32",
        default: 1800,
        description: "Seconds without a finished round after which a running job is Stalled (reason NoProgress).",
      }),
    ),
  },
  {
    description: "A federated training job: which model, whose code, how many rounds over which devices, and how private.",
    "x-kubernetes-validations": [
      // A job runs once with the devices and settings it started with; a changed spec would need a new run.
      cel("self == oldSelf", "spec is immutable: a federated training job runs once; create a new FederatedTraining to train again"),
    ],
  },
);
export type FederatedTrainingSpec = Static<typeof FederatedTrainingSpecSchema>;

const RoundSchema = Type.Object(
  {
    round: Type.Integer({ minimum: 1, format: "int32", description: "The round, from 1." }),
    sampled: Type.Integer({ minimum: 0, format: "int32", description: "Devices sampled for the round." }),
    available: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: "int32",
        description:
          "Devices connected when the round sampled: those it sampled from (its sampling rate, which the privacy accounting uses, is sampled / available).",
      }),
    ),
    participants: Type.Integer({ minimum: 0, format: "int32", description: "Sampled devices that replied." }),
    dropouts: Type.Integer({ minimum: 0, format: "int32", description: "Sampled devices that did not reply." }),
    trainLoss: Type.Optional(Type.Number({ description: "The devices' mean training loss, weighted as the average is." })),
    loss: Type.Number({ description: "Log loss of the round's global model on the server's evaluation data." }),
    accuracyPercent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: "Accuracy of the round's global model on the server's evaluation data, in percent.",
    }),
    epsilon: Type.Optional(
      Type.Number({ minimum: 0, description: "Privacy budget spent after this round, with differential privacy on." }),
    ),
    seconds: Type.Number({ minimum: 0, description: "How long the round took." }),
  },
  { description: "One finished round, as the coordinator reported it." },
);
export type FederatedRound = Static<typeof RoundSchema>;

const ExcludedSchema = Type.Object(
  {
    node: Type.String({ maxLength: 253, description: "The node." }),
    reason: Type.String({ maxLength: 256, description: "Why it may not train, e.g. temperature 91 °C above 85 °C." }),
  },
  { description: "A node the eligibility rules leave out." },
);

/** The most devices one job takes, those it starts with and those that join together: what status.clients can list. */
export const FEDERATED_MAX_DEVICES = 10_000;
/**
 * The most bytes of node names (each plus one separator) one job lists, in status.clients and the
 * progress ConfigMap (1 MiB in all, with the rounds): 10,000 names of 52 bytes, or fewer longer ones.
 */
export const FEDERATED_MAX_DEVICE_NAME_BYTES = 512 * 1024;

export const FEDERATED_PHASES = ["Pending", "Running", "Succeeded", "Failed"] as const;
export type FederatedPhase = (typeof FEDERATED_PHASES)[number];

export const FederatedTrainingStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: "int64", description: "The metadata.generation this status was computed from." }),
    ),
    phase: Type.Optional(
      StringEnum(FEDERATED_PHASES, {
        description: "Pending (waiting for devices), Running, Succeeded (the model is written) or Failed (the coordinator failed).",
      }),
    ),
    devices: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: "int32",
        description:
          "How many devices have joined the job: those it started with and those that became eligible while it ran (each a data partition).",
      }),
    ),
    clients: Type.Optional(
      Type.Array(Type.String({ maxLength: 253, description: "A node." }), {
        maxItems: FEDERATED_MAX_DEVICES,
        "x-kubernetes-list-type": "set",
        description: "Nodes given a client now: the devices that joined the job and are still eligible.",
      }),
    ),
    excluded: Type.Optional(
      Type.Array(ExcludedSchema, {
        maxItems: 64,
        "x-kubernetes-list-type": "atomic",
        description:
          "Nodes left out now, and why, 64 at most: those the hardware classes and nodeSelector select that the other rules leave out (being deleted, telemetry), then eligible ones the job cannot take (it has 10,000 devices, or its node names fill 512 KiB), then the nodes the hardware classes and nodeSelector do not select; each group by name.",
      }),
    ),
    rounds: Type.Optional(
      Type.Array(RoundSchema, { maxItems: 1000, "x-kubernetes-list-type": "atomic", description: "Each finished round, oldest first." }),
    ),
    roundsPlanned: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: "int32",
        description: "Rounds the privacy budget allowed of spec.rounds (all of them without DP).",
      }),
    ),
    epsilon: Type.Optional(Type.Number({ minimum: 0, description: "Privacy budget spent so far, with differential privacy on." })),
    finalAccuracyPercent: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: "Accuracy of the trained model on the server's evaluation data." }),
    ),
    output: Type.Optional(
      Type.Object(
        {
          node: Type.String({ maxLength: 253, description: "The node the coordinator ran on." }),
          model: Type.String({ maxLength: 1024, description: "Path of the trained ONNX model on that node." }),
        },
        { description: "Where the trained model was written, once the job has Succeeded." },
      ),
    ),
    build: Type.Optional(
      Type.Object(
        { name: Type.String({ maxLength: 253, description: "The EdgeModelBuild's name (the FederatedTraining's)." }) },
        { description: "The EdgeModelBuild created from the trained model, with spec.build." },
      ),
    ),
    startedAt: Type.Optional(Type.String({ format: "date-time", description: "When the coordinator and clients were created." })),
    lastRoundAt: Type.Optional(Type.String({ format: "date-time", description: "When the operator last saw a new round." })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        maxItems: 16,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        description: "Progressing, Succeeded, Stalled, BudgetSpent, Degraded and, with spec.build, BuildCreated.",
      }),
    ),
  },
  { description: "What the operator last observed and did." },
);
export type FederatedTrainingStatus = Static<typeof FederatedTrainingStatusSchema>;

export interface FederatedTraining {
  apiVersion: "edgefleet.io/v1alpha1";
  kind: "FederatedTraining";
  metadata: V1ObjectMeta;
  spec: FederatedTrainingSpec;
  status?: FederatedTrainingStatus;
}
