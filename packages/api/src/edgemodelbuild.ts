import type { V1ObjectMeta } from "@kubernetes/client-node";
import { type Static, Type } from "@sinclair/typebox";
import { ARTIFACT_URI_PATTERN } from "./artifact-uri.js";
import { ConditionSchema, NodeSelectorSchema, ResourceRequirementsSchema, TolerationsSchema } from "./common.js";
import { ArtifactSchema, ClassMeasurementSchema, KeyRefSchema, MAX_VARIANTS, PullSecretRefSchema, ROLLOUT_PHASES } from "./edgemodel.js";
import { cel, DnsLabel, StringEnum } from "./kube-schema.js";
import { PUBLISH_TO_PATTERN, PUBLISHABLE_TARGETS } from "./publication.js";

/**
 * The builds `tools/edgefleet model build` makes of an ONNX source model (docs/model-builds.md):
 * the one list the CRD's enum, the CLI's --targets and the operator's status share.
 */
export const BUILD_TARGETS = [
  "onnx-fp32",
  "onnx-int8-dynamic",
  "onnx-int8-static",
  "onnx-fp16",
  "openvino-fp16",
  "openvino-int8",
  "tflite-fp32",
  "tflite-int8",
] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];

/** The targets calibrated on the calibration data (static activation ranges). */
const CALIBRATED: readonly BuildTarget[] = ["onnx-int8-static", "openvino-int8", "tflite-int8"];

const Sha256 = (description: string) => Type.String({ minLength: 64, maxLength: 64, pattern: "^[a-f0-9]{64}$", description });

const DataSchema = (what: string, contents: string) =>
  Type.Object(
    {
      uri: Type.String({
        minLength: 1,
        maxLength: 2048,
        pattern: ARTIFACT_URI_PATTERN,
        description: `Where the build fetches the ${what}: an https:// URL, or oci://<registry>[:port]/<repository>:<tag> or @sha256:<digest> whose layer with this sha256 is the file.`,
      }),
      sha256: Sha256(`SHA-256 of the ${what} file as 64 lowercase hex characters; the build refuses a file that does not match.`),
      sizeBytes: Type.Integer({ minimum: 1, format: "int64", description: `Size of the ${what} file in bytes; no more is downloaded.` }),
      pullSecretRef: Type.Optional(
        PullSecretRefSchema(
          `Registry credentials for an oci:// uri: mounted read-only into the build's pod to fetch the ${what}. Without it the registry is used anonymously.`,
        ),
      ),
    },
    { description: `The ${what}: a NumPy .npz file holding ${contents}.` },
  );

/** What the public key Secret defaults to, as tools/edgefleet model publish's --public-key-ref. */
export const DEFAULT_PUBLIC_KEY_REF = { name: "edgefleet-model-signing", key: "ed25519.pub" } as const;

const PublishSchema = Type.Object(
  {
    to: Type.String({
      minLength: 1,
      // The variants' URIs add @sha256:<64 hex> and must fit an EdgeModel's 2048 characters.
      maxLength: 1900,
      pattern: PUBLISH_TO_PATTERN,
      description:
        "The repository to push to, oci://<registry>[:port]/<repository> without a tag: each build is pushed with its signature as one OCI artifact tagged <version>-<variant>, and named in the EdgeModel by digest.",
    }),
    edgeModel: Type.Optional(
      DnsLabel({
        description:
          "The EdgeModel, in the build's namespace, that gets spec.version as its new version; spec.model when unset. It must exist: a build does not create one.",
      }),
    ),
    signingKeyRef: Type.Object(
      {
        name: DnsLabel({ description: "Name of the Secret, in the build's namespace." }),
        key: Type.String({
          minLength: 1,
          maxLength: 253,
          pattern: "^[-._a-zA-Z0-9]+$",
          description:
            "Key within the Secret whose value is the PEM-encoded Ed25519 private key (PKCS#8, as openssl genpkey -algorithm ed25519 writes it).",
        }),
      },
      {
        description:
          "The Secret holding the key each build is signed with (edgefleet's v2 statement: namespace, model, variant, version, sha256): mounted read-only into the build pod only.",
      },
    ),
    registryAuthRef: Type.Optional(
      Type.Object(
        {
          name: DnsLabel({
            description:
              "Name of a kubernetes.io/dockerconfigjson Secret in the build's namespace (kubectl create secret docker-registry) with push access to the repository.",
          }),
        },
        {
          description:
            "Registry credentials for the push, mounted read-only into the build pod; without it the registry is used anonymously.",
        },
      ),
    ),
    publicKeyRef: Type.Optional(
      Type.Object(KeyRefSchema.properties, {
        description: `The Secret holding the public key, written into the new variants' signature.publicKeyRef when the EdgeModel's first variant names none (else that one is kept); ${DEFAULT_PUBLIC_KEY_REF.name}/${DEFAULT_PUBLIC_KEY_REF.key} when unset.`,
      }),
    ),
  },
  {
    description:
      "Publish the builds as the EdgeModel's new version spec.version (docs/model-builds.md): the build pod signs and pushes each built target a runtime serves, then the operator applies the new version, and the rollout starts. The EdgeModel's variants no target replaces are refused, not carried (tools/edgefleet model publish re-signs those).",
  },
);

/**
 * EdgeModelBuild's spec-level CEL rules, by name: a schema holding part of its spec (a
 * FederatedTraining's build template) carries those that apply to it, never a copy.
 */
export const BUILD_SPEC_RULES = {
  /** Calibrated targets need calibration data. */
  calibrated: cel(
    `has(self.calibration) || !self.targets.exists(t, t in [${CALIBRATED.map((t) => `'${t}'`).join(", ")}])`,
    `targets ${CALIBRATED.join(", ")} are calibrated: set calibration, or leave them out of targets`,
    ".calibration",
  ),
  /** A publishing build needs a target a runtime serves. */
  publishServable: cel(
    `!has(self.publish) || self.targets.exists(t, t in [${PUBLISHABLE_TARGETS.map((t) => `'${t}'`).join(", ")}])`,
    `publish needs a target a runtime serves (${PUBLISHABLE_TARGETS.join(", ")}) in targets: add one, or drop publish`,
    ".publish",
  ),
} as const;

export const EdgeModelBuildSpecSchema = Type.Object(
  {
    model: DnsLabel({
      description: "Name of the model being built: the model the source's signature must name, and the stem of the builds' file names.",
    }),
    version: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
      description: 'Version of the source model, e.g. "2.0": the version its signature must name.',
    }),
    source: ArtifactSchema,
    calibration: Type.Optional(
      DataSchema(
        "calibration data",
        "inputs (samples along the first axis, as the model sees them serving) to calibrate onnx-int8-static's, openvino-int8's and tflite-int8's activation ranges on",
      ),
    ),
    evaluation: DataSchema(
      "evaluation data",
      "inputs (samples along the first axis) and labels (one class index per sample) to measure accuracy and latency on",
    ),
    targets: Type.Array(StringEnum(BUILD_TARGETS, { description: `A build to make: ${BUILD_TARGETS.join(", ")}.` }), {
      minItems: 1,
      maxItems: BUILD_TARGETS.length,
      "x-kubernetes-list-type": "set",
      description:
        "The builds to make of the source (docs/model-builds.md). onnx-fp32 is the source as it is; the source is always measured, as the baseline of every other target's accuracy drop.",
    }),
    maxAccuracyDropPoints: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        default: 1,
        description:
          "The accuracy budget: a target that scores more than this many percentage points below the source on the evaluation data is refused, not written.",
      }),
    ),
    nodeSelector: Type.Optional(
      NodeSelectorSchema(
        'Only nodes carrying all these labels run the build\'s Job, e.g. {"node-role.example.com/build": "true"}; unset means any node.',
      ),
    ),
    tolerations: Type.Optional(
      TolerationsSchema(
        'Node taints the build\'s Job pod tolerates, as in a Pod\'s tolerations, e.g. [{"key": "edgefleet.io/build-node", "operator": "Exists", "effect": "NoSchedule"}] for a build node tainted so that no model is placed on it.',
      ),
    ),
    resources: Type.Optional(ResourceRequirementsSchema),
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: 86_400,
        format: "int64",
        default: 3600,
        description: "Longest the build's Job may run (its activeDeadlineSeconds); past it the build fails.",
      }),
    ),
    publish: Type.Optional(PublishSchema),
  },
  {
    description: "A model build: the source model and data, the targets to build and the accuracy budget they are gated on.",
    "x-kubernetes-validations": [BUILD_SPEC_RULES.calibrated, BUILD_SPEC_RULES.publishServable],
  },
);
export type EdgeModelBuildSpec = Static<typeof EdgeModelBuildSpecSchema>;

export const TARGET_VERDICTS = ["Built", "Refused"] as const;

const TargetStatusSchema = Type.Object(
  {
    target: StringEnum(BUILD_TARGETS, { description: "The build." }),
    verdict: StringEnum(TARGET_VERDICTS, { description: "Built (within the accuracy budget, written) or Refused (over it, not written)." }),
    sizeBytes: Type.Integer({ minimum: 0, format: "int64", description: "Size of the build's file in bytes." }),
    sizeRatio: Type.Number({ minimum: 0, description: "Its size over the source's." }),
    accuracyPercent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: "Share of the evaluation samples it classifies right, in percent.",
    }),
    accuracyDropPoints: Type.Number({
      minimum: -100,
      maximum: 100,
      description: "Percentage points it loses against the source (negative: it gained).",
    }),
    p50LatencySeconds: Type.Number({ minimum: 0, description: "Median latency of one inference on the build's node, in seconds." }),
    p95LatencySeconds: Type.Number({
      minimum: 0,
      description: "95th percentile latency of one inference on the build's node, in seconds.",
    }),
    reason: Type.Optional(Type.String({ maxLength: 1024, description: "Why it was refused." })),
  },
  { description: "What one target's build measured, and whether it passed the accuracy gate." },
);

const PublishedVariantSchema = Type.Object(
  {
    name: Type.String({ maxLength: 63, description: "The variant, named as the target it is a build of." }),
    target: StringEnum(BUILD_TARGETS, { description: "The build." }),
    uri: Type.String({
      maxLength: 2048,
      description: "The pushed OCI artifact, by manifest digest: the variant's artifact.uri and signature.uri.",
    }),
    sha256: Sha256("SHA-256 of the file."),
    sizeBytes: Type.Integer({ minimum: 1, format: "int64", description: "Size of the file in bytes." }),
  },
  { description: "One build as pushed." },
);

const PublishedSchema = Type.Object(
  {
    edgeModel: Type.String({ maxLength: 63, description: "The EdgeModel the version was applied to." }),
    version: Type.String({ maxLength: 63, description: "The version applied: spec.version." }),
    variants: Type.Array(PublishedVariantSchema, {
      maxItems: BUILD_TARGETS.length,
      description: "The pushed builds, best first, as in the EdgeModel.",
    }),
    carried: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ maxLength: 63, description: "The variant." }),
            uri: Type.String({ maxLength: 2048, description: "Its artifact as pushed again, with the new version's signature." }),
          },
          { description: "One variant carried." },
        ),
        {
          maxItems: MAX_VARIANTS - 1,
          description:
            "The EdgeModel's variants no pushed build replaces, carried into the new version after them: each file verified as the previous version's, unchanged, signed for the new one and pushed again.",
        },
      ),
    ),
  },
  { description: "What the build published (spec.publish): set once the EdgeModel has the new version." },
);

/** A class's measurements as the rollout's analysis records them, with what the class runs and the drop against the source. */
const FleetClassSchema = Type.Composite(
  [
    ClassMeasurementSchema,
    Type.Object({
      variant: Type.Optional(Type.String({ maxLength: 63, description: "The variant the class runs at the published version." })),
      runtime: Type.Optional(Type.String({ maxLength: 253, description: "The EdgeRuntime it runs it with." })),
      accuracyDropPoints: Type.Optional(
        Type.Number({
          minimum: -100,
          maximum: 100,
          description: "Points the devices' accuracy is below the source's, as the build measured the source (negative: above).",
        }),
      ),
    }),
  ],
  { description: "What one hardware class's devices measured of the published version." },
);

const FleetSchema = Type.Object(
  {
    version: Type.String({ maxLength: 63, description: "The published version." }),
    phase: StringEnum(ROLLOUT_PHASES, { description: "Its rollout's phase when last seen (the EdgeModel's status.rollout.phase)." }),
    step: Type.Integer({ minimum: 0, format: "int32", description: "The rollout's step when last seen." }),
    percent: Type.Integer({
      minimum: 0,
      maximum: 100,
      format: "int32",
      description: "The share of each class's nodes that step puts on it.",
    }),
    reason: Type.String({ maxLength: 4096, description: "Why the rollout is where it is, as the EdgeModel says." }),
    analysedAt: Type.Optional(Type.String({ format: "date-time", description: "When the measurements below were taken." })),
    classes: Type.Optional(
      Type.Array(FleetClassSchema, {
        maxItems: 256,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["hardwareClass"],
        description: "Per hardware class whose devices ran the version, what they measured in the rollout's latest analysis.",
      }),
    ),
  },
  {
    description:
      "The published version on the devices (spec.publish): its staged rollout as the EdgeModel reports it, and what each hardware class's devices measured of it in the rollout's analyses, on the class's own runtime. Follows the rollout while it is of this version; kept as last seen once the EdgeModel moves on.",
  },
);

export const EdgeModelBuildStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: "int64", description: "The metadata.generation this status was computed from." }),
    ),
    job: Type.Optional(Type.String({ maxLength: 63, description: "The Job building the observed generation." })),
    evaluationSamples: Type.Optional(Type.Integer({ minimum: 0, format: "int64", description: "Samples the accuracies are over." })),
    calibrationSamples: Type.Optional(
      Type.Integer({ minimum: 0, format: "int64", description: "Samples the int8 builds were calibrated on." }),
    ),
    tools: Type.Optional(
      Type.String({
        maxLength: 253,
        description: "The runtimes the builds were measured with and their versions, e.g. onnxruntime 1.22.0, openvino 2025.2.0.",
      }),
    ),
    targets: Type.Optional(
      Type.Array(TargetStatusSchema, {
        maxItems: BUILD_TARGETS.length,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["target"],
        description: "One entry per requested target, once the build has run: what it measured, and why it was refused.",
      }),
    ),
    published: Type.Optional(PublishedSchema),
    fleet: Type.Optional(FleetSchema),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        maxItems: 8,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        description:
          "Ready (the build ran and its results are here), Progressing (its Job runs), Degraded (a target was refused), Stalled (the Job failed: no retry until the spec changes) and, with spec.publish, Published (the EdgeModel has spec.version, or why it was not applied) and, once published, RolledOut (True: promoted on the fleet; False: rolled back, held or superseded; Unknown: rolling out).",
      }),
    ),
  },
  { description: "What the operator last observed of the build." },
);
export type EdgeModelBuildStatus = Static<typeof EdgeModelBuildStatusSchema>;
export type BuildTargetStatus = Static<typeof TargetStatusSchema>;
export type BuildPublishedStatus = Static<typeof PublishedSchema>;
export type BuildFleetStatus = Static<typeof FleetSchema>;
export type BuildFleetClass = Static<typeof FleetClassSchema>;
export type EdgeModelBuildPublish = Static<typeof PublishSchema>;

export interface EdgeModelBuild {
  apiVersion: "edgefleet.io/v1alpha1";
  kind: "EdgeModelBuild";
  metadata: V1ObjectMeta;
  spec: EdgeModelBuildSpec;
  status?: EdgeModelBuildStatus;
}
