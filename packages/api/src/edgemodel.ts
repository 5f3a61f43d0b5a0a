import type { V1ObjectMeta } from "@kubernetes/client-node";
import { type Static, Type } from "@sinclair/typebox";
import { ARTIFACT_URI_PATTERN } from "./artifact-uri.js";
import {
  AcceleratorSchema,
  ArchitectureSchema,
  ConditionSchema,
  NodeSelectorSchema,
  ResourceRequirementsSchema,
  TolerationsSchema,
} from "./common.js";
import { cel, DnsLabel, DottedVersion, StringEnum } from "./kube-schema.js";
import {
  ACCELERATORS,
  DEFAULT_ACCELERATOR_PREFERENCE,
  EDGETPU_FORMAT,
  FORMAT_ACCELERATORS,
  FORMATS,
  type ModelFormat,
  PRECISIONS,
} from "./vocabulary.js";

export const KeyRefSchema = Type.Object(
  {
    name: DnsLabel({ description: "Name of the Secret, in the EdgeModel's namespace." }),
    key: Type.String({
      minLength: 1,
      maxLength: 253,
      description:
        "Key within the Secret whose value is the PEM-encoded public key (SPKI, as openssl and cosign write it): Ed25519 for edgefleet signature files, ECDSA P-256 or RSA for cosign signatures, ECDSA, RSA or Ed25519 for Sigstore bundles.",
    }),
  },
  { description: "The Secret holding the public key that verifies the signature." },
);

/** The most variants an EdgeModel has (spec.variants' maxItems). */
export const MAX_VARIANTS = 16;

/** A kubernetes.io/dockerconfigjson Secret of the object's namespace, for pulling an oci:// URI. */
export const PullSecretRefSchema = (description: string) =>
  Type.Object(
    {
      name: DnsLabel({
        description: "Name of a kubernetes.io/dockerconfigjson Secret in the object's namespace (kubectl create secret docker-registry).",
      }),
    },
    { description },
  );

/** A model file and how to verify it: what EdgeModel variants and EdgeModelBuild sources name. */
export const ArtifactSchema = Type.Object(
  {
    uri: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: ARTIFACT_URI_PATTERN,
      description:
        "Where devices fetch the model file: an https:// URL, or an OCI artifact oci://<registry>[:port]/<repository>:<tag> or @sha256:<manifest digest> whose layer with this sha256 is the file (tools/edgefleet artifacts push).",
    }),
    sha256: Type.String({
      minLength: 64,
      maxLength: 64,
      pattern: "^[a-f0-9]{64}$",
      description:
        "SHA-256 digest of the file as 64 lowercase hex characters (what sha256sum prints); runtimes refuse a file that does not match.",
    }),
    sizeBytes: Type.Integer({
      minimum: 1,
      format: "int64",
      description: "Size of the file in bytes, to check a device's free storage before download.",
    }),
    signature: Type.Optional(
      Type.Object(
        {
          uri: Type.String({
            minLength: 1,
            maxLength: 2048,
            pattern: ARTIFACT_URI_PATTERN,
            description:
              "Where the signature file is fetched from, in the same URI forms as artifact.uri; for oci:// the artifact's layer of media type application/vnd.edgefleet.model.signature.v1+json.",
          }),
          publicKeyRef: KeyRefSchema,
        },
        {
          description:
            "A detached signature of the file, checked offline by every device against the public key before the file is downloaded. Formats, told apart by content: edgefleet's signature file (signs model name, version and sha256, so an old build cannot be replayed as a new version), a cosign sign-blob --key signature or bundle, a Sigstore bundle signed with a key, an OpenSSF model-signing bundle of a single file. cosign and Sigstore signatures name no version. Keyless (certificate) signatures are refused. See docs/artifacts.md.",
        },
      ),
    ),
    pullSecretRef: Type.Optional(
      PullSecretRefSchema(
        "Registry credentials for oci:// URIs: mounted read-only only where the file is fetched (a runtime pod's verify-artifact init container, a build's pod). Without it the registry is used anonymously.",
      ),
    ),
  },
  { description: "The model file of this variant and how to verify it." },
);

const RequirementsSchema = Type.Object(
  {
    accelerators: Type.Array(AcceleratorSchema("An accelerator kind: nvidia-gpu, intel-gpu, intel-npu, edgetpu or cpu."), {
      minItems: 1,
      maxItems: ACCELERATORS.length,
      "x-kubernetes-list-type": "set",
      description: "Accelerators this variant can run on. A node runs it on one of them only if an EdgeRuntime serves that accelerator.",
    }),
    architectures: Type.Optional(
      Type.Array(ArchitectureSchema("A CPU architecture as in the kubernetes.io/arch node label: amd64 or arm64."), {
        maxItems: 2,
        "x-kubernetes-list-type": "set",
        description: "CPU architectures the file runs on (e.g. a TensorRT engine built on a Jetson is arm64 only); unset means any.",
      }),
    ),
    minComputeCapability: Type.Optional(
      Type.String({
        maxLength: 8,
        pattern: "^[0-9]+\\.[0-9]+$",
        description:
          'Lowest NVIDIA compute capability the file was built for, as major.minor (e.g. "8.7" for Jetson Orin), compared with the nodes\' nvidia.com/gpu.compute.major/minor labels. Only with nvidia-gpu.',
      }),
    ),
    runtimeVersion: Type.Optional(
      Type.Object(
        {
          min: Type.Optional(DottedVersion({ description: 'Oldest runtime library version that loads the file, e.g. "1.17".' })),
          max: Type.Optional(
            DottedVersion({
              description: 'Newest runtime library version that loads the file; "10.3" admits every 10.3.x (TensorRT engines need this).',
            }),
          ),
        },
        {
          description:
            "Versions of the format's runtime library (as an EdgeRuntime lists under supportedFormats[].versions) that can load the file; bounds are inclusive.",
          "x-kubernetes-validations": [cel("has(self.min) || has(self.max)", "requirements.runtimeVersion needs min, max or both")],
        },
      ),
    ),
  },
  {
    description: "What a node and a runtime must offer to run this variant.",
    "x-kubernetes-validations": [
      cel(
        "!has(self.minComputeCapability) || 'nvidia-gpu' in self.accelerators",
        "requirements.minComputeCapability applies only to variants whose accelerators include nvidia-gpu",
        ".minComputeCapability",
      ),
    ],
  },
);

const EvaluationSchema = Type.Object(
  {
    dataset: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'Name of the evaluation data the accuracy was measured on, e.g. the file name "digits-evaluation.npz".',
    }),
    sha256: Type.Optional(
      Type.String({
        minLength: 64,
        maxLength: 64,
        pattern: "^[a-f0-9]{64}$",
        description:
          "SHA-256 of the evaluation data file as 64 lowercase hex characters, so two variants' accuracies can be told measured on the same data.",
      }),
    ),
    samples: Type.Integer({ minimum: 1, format: "int64", description: "Number of evaluation samples the accuracy is over." }),
    uri: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        pattern: ARTIFACT_URI_PATTERN,
        description:
          "Where devices fetch the labelled evaluation data (a NumPy .npz of float32 `inputs` and int64 `labels`), in the same URI forms as artifact.uri: the node's artifact install fetches it as it fetches the model (artifact.pullSecretRef's credentials included) and stores it when it matches sha256; the agent scores some samples each probe period and reports the right answers, which rollout analysis's slo.maxAccuracyDropPoints checks (docs/agent.md).",
      }),
    ),
  },
  {
    description: "The evaluation the accuracy was measured on.",
    "x-kubernetes-validations": [
      cel("!has(self.uri) || has(self.sha256)", "evaluation.uri needs evaluation.sha256: devices check the data against it", ".uri"),
    ],
  },
);

const AccuracySchema = Type.Object(
  {
    percent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: "Share of the evaluation samples this variant classifies right, in percent (tools/edgefleet model build measures it).",
    }),
    dropPoints: Type.Optional(
      Type.Number({
        minimum: -100,
        maximum: 100,
        description:
          "Percentage points this variant loses against the source model it was built from, on the same evaluation (negative: it gained); what a build's accuracy budget is checked against.",
      }),
    ),
    evaluation: EvaluationSchema,
  },
  { description: "Measured accuracy of this variant, and the evaluation it was measured on." },
);

const ProfileSchema = Type.Object(
  {
    p95LatencySeconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Measured 95th percentile latency of one inference, in seconds." }),
    ),
    powerWatts: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Measured average power draw of the device while serving, in watts." }),
    ),
    hardwareClass: Type.Optional(
      Type.String({
        maxLength: 63,
        description: "Hardware class (edgefleet.io/hardware-class) of the device the measurement was taken on.",
      }),
    ),
    accuracy: Type.Optional(AccuracySchema),
  },
  { description: "Measured behaviour of this variant, for SLO checks and rollout analysis; informational for placement." },
);

/** One rule per format that runs only on some accelerators, generated from the same table the docs cite. */
function formatAcceleratorRules() {
  return (Object.entries(FORMAT_ACCELERATORS) as [ModelFormat, readonly string[]][])
    .filter(([, allowed]) => allowed.length < ACCELERATORS.length)
    .map(([format, allowed]) =>
      cel(
        `self.format != '${format}' || self.requirements.accelerators.all(a, a in [${allowed.map((a) => `'${a}'`).join(", ")}])`,
        `format ${format} runs only on ${allowed.join(" or ")}: requirements.accelerators may list only those`,
        ".requirements.accelerators",
      ),
    );
}

const VariantSchema = Type.Object(
  {
    name: DnsLabel({ description: "Name of the variant, unique within the model, e.g. trt-fp16-orin." }),
    format: StringEnum(FORMATS, { description: "File format of the model: onnx, tensorrt, tflite or openvino." }),
    precision: StringEnum(PRECISIONS, { description: "Numeric precision of the weights: fp32, fp16, int8 or int4." }),
    artifact: ArtifactSchema,
    requirements: RequirementsSchema,
    profile: Type.Optional(ProfileSchema),
  },
  {
    description: "One build of the model for some hardware.",
    "x-kubernetes-validations": [
      ...formatAcceleratorRules(),
      cel(
        `!('edgetpu' in self.requirements.accelerators) || (self.format == '${EDGETPU_FORMAT.format}' && self.precision == '${EDGETPU_FORMAT.precision}')`,
        `the Edge TPU runs only ${EDGETPU_FORMAT.format} ${EDGETPU_FORMAT.precision} models: a variant listing edgetpu needs format ${EDGETPU_FORMAT.format} and precision ${EDGETPU_FORMAT.precision}`,
        ".requirements.accelerators",
      ),
    ],
  },
);

const ClassLimitSchema = Type.Object(
  {
    hardwareClass: Type.String({
      minLength: 1,
      maxLength: 63,
      description: "The hardware class (edgefleet.io/hardware-class node label) this limit applies to.",
    }),
    maxNodes: Type.Integer({ minimum: 1, format: "int32", description: "Most nodes of the class that run the model." }),
  },
  { description: "A limit on how many nodes of one hardware class run the model." },
);

const PlacementSchema = Type.Object(
  {
    nodeSelector: Type.Optional(
      NodeSelectorSchema(
        'Only nodes carrying all these labels run the model, e.g. {"edgefleet.io/site": "factory-a"}; unset means every node.',
      ),
    ),
    acceleratorPreference: Type.Optional(
      Type.Array(AcceleratorSchema("An accelerator kind."), {
        minItems: 1,
        maxItems: ACCELERATORS.length,
        default: [...DEFAULT_ACCELERATOR_PREFERENCE],
        "x-kubernetes-list-type": "atomic",
        description:
          "Accelerators in the order the planner tries them on each hardware class; accelerators left out are never used. The default puts dedicated inference silicon first, then GPUs, then the CPU as the fallback.",
        "x-kubernetes-validations": [
          cel("self.all(a, self.exists_one(b, b == a))", "placement.acceleratorPreference must not list an accelerator twice"),
        ],
      }),
    ),
    maxNodesPerClass: Type.Optional(
      Type.Integer({
        minimum: 1,
        format: "int32",
        description: "Most nodes of any one hardware class that run the model, unless classLimits says otherwise.",
      }),
    ),
    tolerations: Type.Optional(
      TolerationsSchema(
        "Node taints the model's runtime pods tolerate, as in a Pod's tolerations. Nodes with a NoSchedule or NoExecute taint not tolerated here are left out of placement, as the scheduler would leave them out (the taints the DaemonSet controller tolerates by itself, such as node.kubernetes.io/not-ready, excepted).",
      ),
    ),
    classLimits: Type.Optional(
      Type.Array(ClassLimitSchema, {
        maxItems: 64,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["hardwareClass"],
        description: "Per-class node limits, overriding maxNodesPerClass; nodes are taken in name order.",
      }),
    ),
  },
  { description: "Which nodes run the model, and on which of their accelerators." },
);

const SloSchema = Type.Object(
  {
    p95LatencySeconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Highest acceptable 95th percentile inference latency on any device, in seconds." }),
    ),
    maxPowerWatts: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          "Highest acceptable power draw of a device while serving, in watts; the nodes must report power (edge-agent --sensors), or rollout analysis is inconclusive.",
      }),
    ),
    maxTemperatureCelsius: Type.Optional(
      Type.Number({
        description:
          "Highest acceptable device temperature, in degrees Celsius; the nodes must report temperature (edge-agent --sensors), or rollout analysis is inconclusive.",
      }),
    ),
    maxAccuracyDropPoints: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description:
          "Most percentage points the accuracy devices report (right answers on the variant's labelled evaluation samples) may fall below the variant's profile.accuracy.percent. Checked for variants whose profile.accuracy.evaluation.uri names the data devices score (devices that report no evaluations of it make the analysis inconclusive, never a pass); skipped for variants without one.",
      }),
    ),
  },
  { description: "Service-level objectives every device must meet; rollout analysis judges new versions against them." },
);

const RolloutSchema = Type.Object(
  {
    steps: Type.Optional(
      Type.Array(
        Type.Integer({ minimum: 1, maximum: 100, description: "Percent of each hardware class's nodes on the new version at this step." }),
        {
          minItems: 1,
          maxItems: 10,
          "x-kubernetes-list-type": "atomic",
          description: "Percent of nodes on the new version at each step, strictly increasing and ending at 100, e.g. [10, 50, 100].",
          "x-kubernetes-validations": [
            cel(
              "self.isSorted() && self.all(p, self.exists_one(q, q == p))",
              "rollout.steps must be strictly increasing, e.g. [10, 50, 100]",
            ),
            cel("self[size(self) - 1] == 100", "rollout.steps must end at 100, when every node runs the new version"),
          ],
        },
      ),
    ),
    pauseSeconds: Type.Optional(
      Type.Integer({ minimum: 0, format: "int32", description: "Seconds to wait at each step before analysing it and moving on." }),
    ),
    analysis: Type.Optional(
      Type.Object(
        {
          windowSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              format: "int32",
              description: "Length of the window of metrics each analysis looks at, in seconds.",
            }),
          ),
          minSamples: Type.Optional(
            Type.Integer({
              minimum: 1,
              format: "int32",
              description: "Fewest inferences in the window for the analysis to count; fewer waits.",
            }),
          ),
          maxFailures: Type.Optional(
            Type.Integer({
              minimum: 0,
              format: "int32",
              description:
                "Consecutive failed analyses (SLO missed) tolerated at a step, each a whole window after the one before; one more rolls the rollout back.",
            }),
          ),
          maxInconclusive: Type.Optional(
            Type.Integer({
              minimum: 0,
              format: "int32",
              description:
                "Consecutive inconclusive analyses (metrics source unreachable or failing) tolerated at a step; one more holds the rollout (phase Failed, Stalled) until a manual action.",
            }),
          ),
          latencyTolerance: Type.Optional(
            Type.Number({
              minimum: 0,
              description: "How much slower the new version's p95 latency may be than the stable version's, as a fraction (0.2: 20%).",
            }),
          ),
          maxErrorRatio: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1,
              description: "Highest acceptable share of failed inferences on the new version's nodes, as a ratio (0.01: 1%).",
            }),
          ),
        },
        { description: "How each step is judged against the SLOs before the rollout moves on." },
      ),
    ),
    paused: Type.Optional(Type.Boolean({ description: "Holds the rollout at its current step until set back to false." })),
  },
  { description: "How a new spec.version (or new variants) reaches the fleet, step by step; see docs/rollouts.md." },
);

export const EdgeModelSpecSchema = Type.Object(
  {
    version: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
      description: 'Version of the model the variants are builds of, e.g. "2024.06.1"; a change starts a rollout.',
    }),
    variants: Type.Array(VariantSchema, {
      minItems: 1,
      maxItems: MAX_VARIANTS,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      description: "Builds of the model for different hardware; for each hardware class the planner picks one. Names must be unique.",
    }),
    placement: Type.Optional(PlacementSchema),
    resources: Type.Optional(ResourceRequirementsSchema),
    slo: Type.Optional(SloSchema),
    rollout: Type.Optional(RolloutSchema),
  },
  { description: "The model, its builds, and where and how it runs." },
);
export type EdgeModelSpec = Static<typeof EdgeModelSpecSchema>;
export type ModelVariant = EdgeModelSpec["variants"][number];
export type VariantProfile = NonNullable<ModelVariant["profile"]>;

const SHARING_ROLES = ["holder", "sharer"] as const;

const PlacementStatusSchema = Type.Object(
  {
    hardwareClass: Type.String({ maxLength: 63, description: "The hardware class." }),
    nodes: Type.Integer({ minimum: 0, format: "int32", description: "Nodes of the class the model targets." }),
    ready: Type.Integer({ minimum: 0, format: "int32", description: "Nodes of the class where the model's runtime is ready." }),
    accelerator: Type.Optional(AcceleratorSchema("Accelerator the class runs the model on.")),
    variant: Type.Optional(Type.String({ maxLength: 63, description: "Variant the class runs." })),
    runtime: Type.Optional(Type.String({ maxLength: 253, description: "EdgeRuntime the class runs the variant with." })),
    reason: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: "Why the class runs nothing, or why better-preferred accelerators and earlier variants were passed over.",
      }),
    ),
    sharing: Type.Optional(
      Type.Object(
        {
          role: StringEnum(SHARING_ROLES, {
            description:
              "holder: the model's pods request the runtime's accelerator resources; sharer: they request none and use a holder's device.",
          }),
          with: Type.Array(Type.String({ maxLength: 317, description: "An EdgeModel, as namespace/name." }), {
            maxItems: 64,
            "x-kubernetes-list-type": "set",
            description: "The other models whose pods use the same devices (the holder's included), oldest first.",
          }),
        },
        { description: "How the class shares its devices with other models, when its runtime's accelerator allows sharing." },
      ),
    ),
  },
  { description: "Where the model runs on one hardware class." },
);

const ROLLOUT_PHASES = ["Progressing", "Paused", "Analysing", "Promoted", "RolledBack", "Failed"] as const;
const VERDICTS = ["Pass", "Fail", "Wait", "Inconclusive", "Skipped"] as const;
const DECISIONS = ["continue", "promote", "rollback", "inconclusive"] as const;

const CheckSchema = Type.Object(
  {
    name: Type.String({
      maxLength: 63,
      description: "What was checked: latency, latency-vs-stable, error-ratio, accuracy-drop, power, temperature or samples.",
    }),
    hardwareClass: Type.Optional(Type.String({ maxLength: 63, description: "The hardware class the check is about." })),
    value: Type.Optional(
      Type.Number({ description: "The new version's value, in the metric's base unit; absent when nothing was measured." }),
    ),
    threshold: Type.Optional(Type.Number({ description: "The limit the value was held to." })),
    passed: Type.Boolean({ description: "Whether the value was within the limit; false for a limit with no value measured." }),
  },
  { description: "One comparison of a measured value with its limit." },
);

const Seconds = (description: string) => Type.Optional(Type.Number({ minimum: 0, description }));

/**
 * What one class's nodes on the new version measured, whatever spec.slo limits: the numbers a
 * build that published the version reports back (EdgeModelBuild status.fleet).
 */
export const ClassMeasurementSchema = Type.Object(
  {
    hardwareClass: Type.String({ maxLength: 63, description: "The hardware class." }),
    requests: Type.Integer({
      minimum: 0,
      format: "int64",
      description: "Inferences the new version's nodes of the class answered over the analysis window.",
    }),
    p50LatencySeconds: Seconds("Their median latency over the window, in seconds; absent before the first rate window."),
    p95LatencySeconds: Seconds("Their 95th percentile latency over the window, in seconds; absent before the first rate window."),
    evaluations: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: "int64",
        description:
          "Labelled evaluation samples the nodes scored since the step started (variants naming evaluation data in profile.accuracy.evaluation.uri).",
      }),
    ),
    accuracyPercent: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: "Share of those evaluations answered right, in percent." }),
    ),
  },
  { description: "What the new version's nodes of one hardware class measured." },
);

const AnalysisStatusSchema = Type.Object(
  {
    time: Type.String({ format: "date-time", description: "When the analysis ran." }),
    verdict: StringEnum(VERDICTS, {
      description:
        "Pass, Fail (a limit missed), Wait (too few samples), Inconclusive (the metrics source failed, or a limit set in spec.slo has no reading) or Skipped (analysis disabled or impossible).",
    }),
    message: Type.String({ maxLength: 4096, description: "The analysis in words." }),
    checks: Type.Optional(
      Type.Array(CheckSchema, {
        maxItems: 256,
        "x-kubernetes-list-type": "atomic",
        description: "Each value and the limit it was held to.",
      }),
    ),
    measured: Type.Optional(
      Type.Array(ClassMeasurementSchema, {
        maxItems: 256,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["hardwareClass"],
        description: "Per hardware class with nodes on the new version, what they measured, limit or not.",
      }),
    ),
  },
  { description: "The latest analysis of the rollout's current step." },
);

const ClassProgressSchema = Type.Object(
  {
    hardwareClass: Type.String({ maxLength: 63, description: "The hardware class." }),
    updated: Type.Integer({ minimum: 0, format: "int32", description: "Nodes of the class assigned the new version." }),
    nodes: Type.Integer({ minimum: 0, format: "int32", description: "Nodes of the class the model targets." }),
  },
  { description: "How far the rollout has reached in one hardware class." },
);

const RolloutStatusSchema = Type.Object(
  {
    phase: StringEnum(ROLLOUT_PHASES, {
      description:
        "Progressing (a step's nodes are being updated or paused), Analysing, Paused (spec.rollout.paused), Promoted, RolledBack or Failed (held: analysis inconclusive too often).",
    }),
    stableRevision: Type.String({ maxLength: 253, description: "ControllerRevision holding the stable version and variants." }),
    targetRevision: Type.String({ maxLength: 253, description: "ControllerRevision holding the version and variants being rolled out." }),
    targetVersion: Type.String({ maxLength: 63, description: "The version being rolled out (spec.version when the rollout started)." }),
    step: Type.Integer({ minimum: 0, format: "int32", description: "Index of the current step in spec.rollout.steps." }),
    percent: Type.Integer({
      minimum: 0,
      maximum: 100,
      format: "int32",
      description: "Share of each class's nodes the current step puts on the new version.",
    }),
    stepStartedAt: Type.String({ format: "date-time", description: "When the current step started; analysis starts after the pause." }),
    failures: Type.Integer({ minimum: 0, format: "int32", description: "Consecutive failed analyses at this step." }),
    inconclusive: Type.Integer({ minimum: 0, format: "int32", description: "Consecutive inconclusive analyses at this step." }),
    classes: Type.Optional(
      Type.Array(ClassProgressSchema, {
        maxItems: 256,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["hardwareClass"],
        description: "Nodes on the new version per hardware class.",
      }),
    ),
    lastAnalysis: Type.Optional(AnalysisStatusSchema),
    decision: Type.Optional(StringEnum(DECISIONS, { description: "The last decision: continue, promote, rollback or inconclusive." })),
    reason: Type.String({ maxLength: 4096, description: "Why the rollout is where it is, for people." }),
  },
  { description: "The staged rollout of a new version or new variants: where it is and why." },
);

export const EdgeModelStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: "int64", description: "The metadata.generation this status was computed from." }),
    ),
    currentVersion: Type.Optional(
      Type.String({ maxLength: 63, description: "The spec.version every placed node runs, once a rollout has completed." }),
    ),
    stableVersion: Type.Optional(
      Type.String({
        maxLength: 63,
        description: "The last good version: what nodes not (yet) on a new version run, and what a rollback returns to.",
      }),
    ),
    canaryVersion: Type.Optional(
      Type.String({ maxLength: 63, description: "The version being rolled out, while a rollout is in progress." }),
    ),
    rollout: Type.Optional(RolloutStatusSchema),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        maxItems: 16,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        description: "Ready, Progressing, Degraded and Stalled.",
      }),
    ),
    placements: Type.Optional(
      Type.Array(PlacementStatusSchema, {
        maxItems: 256,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["hardwareClass"],
        description: "One entry per hardware class the model targets: what runs there, or why nothing does.",
      }),
    ),
  },
  { description: "What the operator last observed and did." },
);
export type EdgeModelStatus = Static<typeof EdgeModelStatusSchema>;
export type PlacementStatus = Static<typeof PlacementStatusSchema>;
export type RolloutStatus = Static<typeof RolloutStatusSchema>;
export type RolloutPhase = RolloutStatus["phase"];
export type AnalysisStatus = Static<typeof AnalysisStatusSchema>;
export type AnalysisCheck = Static<typeof CheckSchema>;
export type ClassMeasurement = Static<typeof ClassMeasurementSchema>;
export type RolloutDecision = (typeof DECISIONS)[number];
export { DECISIONS as ROLLOUT_DECISIONS, ROLLOUT_PHASES };

export interface EdgeModel {
  apiVersion: "edgefleet.io/v1alpha1";
  kind: "EdgeModel";
  metadata: V1ObjectMeta;
  spec: EdgeModelSpec;
  status?: EdgeModelStatus;
}
