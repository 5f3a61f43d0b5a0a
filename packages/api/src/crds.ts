import type { TSchema } from "@sinclair/typebox";
import { EdgeModelSpecSchema, EdgeModelStatusSchema } from "./edgemodel.js";
import { EdgeModelBuildSpecSchema, EdgeModelBuildStatusSchema } from "./edgemodelbuild.js";
import { EdgeRuntimeSpecSchema } from "./edgeruntime.js";
import { FederatedTrainingSpecSchema, FederatedTrainingStatusSchema } from "./federatedtraining.js";
import { CATEGORY, GROUP, VERSION } from "./group.js";
import { type CelRule, cel } from "./kube-schema.js";
import { LABELS } from "./labels.js";
import { ModelTrustPolicySpecSchema } from "./modeltrustpolicy.js";
import { type OpenAPISchema, toOpenAPI } from "./openapi.js";

/** An apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON, ready to apply or print. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: "Namespaced" | "Cluster";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: OpenAPISchema };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

interface ResourceDefinition {
  kind: string;
  plural: string;
  shortName: string;
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: TSchema;
  status?: TSchema;
  rootRules?: CelRule[];
  columns: PrinterColumn[];
}

const condition = (type: string, field: "status" | "reason") => `.status.conditions[?(@.type=="${type}")].${field}`;
const AGE: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the object was created.",
};

export function edgeModelCRD(): CustomResourceDefinition {
  return crd({
    kind: "EdgeModel",
    plural: "edgemodels",
    shortName: "em",
    scope: "Namespaced",
    description:
      "An ML model to run on the edge fleet: its builds (variants) for different hardware, where it may run, its SLOs and how new versions roll out. The operator runs, per hardware class, the best variant the class supports.",
    spec: EdgeModelSpecSchema,
    status: EdgeModelStatusSchema,
    rootRules: [
      // Children carry the model's name as a label value, which is capped at 63 characters.
      cel("size(self.metadata.name) <= 63", "metadata.name must be at most 63 characters: it is a label value on the model's workloads"),
    ],
    columns: [
      { name: "Version", type: "string", jsonPath: ".spec.version", description: "The model version." },
      { name: "Ready", type: "string", jsonPath: condition("Ready", "status"), description: "Whether every targeted node runs the model." },
      {
        name: "Degraded",
        type: "string",
        jsonPath: condition("Degraded", "status"),
        description: "Whether some hardware class can run no variant.",
      },
      {
        name: "Reason",
        type: "string",
        jsonPath: condition("Ready", "reason"),
        description: "Why the model is or is not ready.",
        priority: 1,
      },
      AGE,
    ],
  });
}

export function edgeRuntimeCRD(): CustomResourceDefinition {
  return crd({
    kind: "EdgeRuntime",
    plural: "edgeruntimes",
    shortName: "ert",
    scope: "Cluster",
    description:
      "An inference runtime in the cluster-wide catalog: the model formats and precisions it loads, the accelerators it drives and the container that serves models over the Open Inference Protocol.",
    spec: EdgeRuntimeSpecSchema,
    columns: [
      { name: "Formats", type: "string", jsonPath: ".spec.supportedFormats[*].format", description: "Model formats the runtime loads." },
      { name: "Accelerators", type: "string", jsonPath: ".spec.accelerators[*].kind", description: "Accelerators the runtime drives." },
      { name: "Priority", type: "integer", jsonPath: ".spec.priority", description: "Higher wins when several runtimes fit." },
      { name: "Disabled", type: "boolean", jsonPath: ".spec.disabled", description: "Whether the runtime is out of placement." },
      { name: "Image", type: "string", jsonPath: ".spec.image", description: "Container image of the runtime.", priority: 1 },
      AGE,
    ],
  });
}

export function modelTrustPolicyCRD(): CustomResourceDefinition {
  return crd({
    kind: "ModelTrustPolicy",
    plural: "modeltrustpolicies",
    shortName: "mtp",
    scope: "Cluster",
    description:
      "The platform team's model trust: which public keys may sign which namespaces' (and models') artifacts, where artifacts may come from and how large they may be. Once one exists, the operator places only EdgeModels that satisfy a policy, and devices verify their signatures with the policies' keys instead of the key the EdgeModel names. See docs/artifacts.md.",
    spec: ModelTrustPolicySpecSchema,
    columns: [
      { name: "Keys", type: "string", jsonPath: ".spec.keys[*].name", description: "Names of the trusted keys." },
      {
        name: "Max-Bytes",
        type: "integer",
        jsonPath: ".spec.maxArtifactBytes",
        description: "Largest artifact the policy admits.",
        priority: 1,
      },
      AGE,
    ],
  });
}

export function federatedTrainingCRD(): CustomResourceDefinition {
  return crd({
    kind: "FederatedTraining",
    plural: "federatedtrainings",
    shortName: "ft",
    scope: "Namespaced",
    description:
      "A federated training job on the edge fleet: the operator picks the eligible devices (hardware class, labels, temperature, throttling, CPU load, connectivity), runs a Flower coordinator and one client per device, and reports each round (participants, dropouts, loss, accuracy, epsilon) in status. See docs/federated.md.",
    spec: FederatedTrainingSpecSchema,
    status: FederatedTrainingStatusSchema,
    rootRules: [
      // Its pods carry the job's name as a label value, and the client pods' names add a suffix.
      cel("size(self.metadata.name) <= 40", "metadata.name must be at most 40 characters: its pods are named after it"),
    ],
    columns: [
      { name: "Model", type: "string", jsonPath: ".spec.model", description: "The model trained." },
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Pending, Running, Succeeded or Failed." },
      {
        name: "Devices",
        type: "integer",
        jsonPath: ".status.devices",
        description: "Devices that joined the job: at the start and while it ran.",
      },
      { name: "Epsilon", type: "number", jsonPath: ".status.epsilon", description: "Privacy budget spent so far.", priority: 1 },
      { name: "Stalled", type: "string", jsonPath: condition("Stalled", "status"), description: "Whether the job makes no progress." },
      AGE,
    ],
  });
}

export function edgeModelBuildCRD(): CustomResourceDefinition {
  return crd({
    kind: "EdgeModelBuild",
    plural: "edgemodelbuilds",
    shortName: "emb",
    scope: "Namespaced",
    description:
      "A build of an ONNX model for the edge, run by the operator as a Kubernetes Job (tools/edgefleet model build): each target quantized or converted, measured (size, accuracy, latency) and gated on an accuracy budget, the results in status. See docs/model-builds.md.",
    spec: EdgeModelBuildSpecSchema,
    status: EdgeModelBuildStatusSchema,
    rootRules: [
      // Its Job's pods carry the build's name as a label value, which is capped at 63 characters.
      cel("size(self.metadata.name) <= 63", "metadata.name must be at most 63 characters: it is a label value on the build's Job"),
    ],
    columns: [
      { name: "Model", type: "string", jsonPath: ".spec.model", description: "The model being built." },
      { name: "Version", type: "string", jsonPath: ".spec.version", description: "The version of the source." },
      {
        name: "Ready",
        type: "string",
        jsonPath: condition("Ready", "status"),
        description: "Whether the build ran and its results are in status.",
      },
      { name: "Reason", type: "string", jsonPath: condition("Ready", "reason"), description: "Why the build is or is not ready." },
      {
        name: "Targets",
        type: "string",
        jsonPath: ".status.targets[*].verdict",
        description: "Each target's verdict, in spec order.",
        priority: 1,
      },
      {
        name: "Rollout",
        type: "string",
        jsonPath: ".status.fleet.phase",
        description: "The published version's rollout on the fleet, as last seen.",
        priority: 1,
      },
      AGE,
    ],
  });
}

export function allCRDs(): CustomResourceDefinition[] {
  return [edgeModelCRD(), edgeRuntimeCRD(), modelTrustPolicyCRD(), federatedTrainingCRD(), edgeModelBuildCRD()];
}

function crd(def: ResourceDefinition): CustomResourceDefinition {
  const properties: OpenAPISchema = {
    apiVersion: { type: "string", description: "Versioned schema of this representation of an object: edgefleet.io/v1alpha1." },
    kind: { type: "string", description: `Kind of the object: ${def.kind}.` },
    metadata: { type: "object" },
    spec: toOpenAPI(def.spec),
    ...(def.status ? { status: toOpenAPI(def.status) } : {}),
  };
  const openAPIV3Schema: OpenAPISchema = {
    type: "object",
    description: def.description,
    required: ["spec"],
    properties,
    ...(def.rootRules ? { "x-kubernetes-validations": def.rootRules } : {}),
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${def.plural}.${GROUP}`, labels: { [LABELS.partOf]: "edgefleet" } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        shortNames: [def.shortName],
        categories: [CATEGORY],
      },
      scope: def.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          ...(def.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.columns,
        },
      ],
    },
  };
}
