import { type Static, Type } from "@sinclair/typebox";
import { cel, Quantity, StringEnum, StringMap } from "./kube-schema.js";
import { ACCELERATORS, ARCHITECTURES } from "./vocabulary.js";

/** Schema pieces both kinds use, in the shapes Kubernetes users already know from core objects. */

export const AcceleratorSchema = (description: string) => StringEnum(ACCELERATORS, { description });
export const ArchitectureSchema = (description: string) => StringEnum(ARCHITECTURES, { description });

export const NodeSelectorSchema = (description: string) =>
  StringMap(Type.String({ maxLength: 63, description: "Label value the node must carry." }), { description, maxProperties: 32 });

const TOLERATION_OPERATORS = ["Equal", "Exists"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** core/v1 Toleration without tolerationSeconds: which node taints the workload's pods accept. */
export const TolerationSchema = Type.Object(
  {
    key: Type.Optional(
      Type.String({ maxLength: 316, description: "Taint key the toleration matches; empty with operator Exists matches every taint." }),
    ),
    operator: Type.Optional(
      StringEnum(TOLERATION_OPERATORS, {
        description: "Equal (the default): the taint's value must be value; Exists: any value (leave value empty).",
      }),
    ),
    value: Type.Optional(Type.String({ maxLength: 63, description: "Taint value the toleration matches, with operator Equal." })),
    effect: Type.Optional(StringEnum(TAINT_EFFECTS, { description: "Taint effect the toleration matches; empty matches every effect." })),
  },
  {
    description: "A taint the pods tolerate, as in a Pod's tolerations.",
    "x-kubernetes-validations": [
      cel(
        "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
        "a toleration with operator Exists takes no value",
      ),
      cel(
        "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
        "a toleration without key needs operator Exists (it then matches every taint)",
      ),
    ],
  },
);
export type Toleration = Static<typeof TolerationSchema>;

export const TolerationsSchema = (description: string) =>
  Type.Array(TolerationSchema, { maxItems: 32, "x-kubernetes-list-type": "atomic", description });

export const ResourceListSchema = (description: string) =>
  StringMap(Quantity({ description: "Amount of the resource, e.g. 1, 500m or 2Gi." }), { description, maxProperties: 16 });

export const ResourceRequirementsSchema = Type.Object(
  {
    requests: Type.Optional(ResourceListSchema("Minimum resources the scheduler reserves on the node, e.g. {cpu: 500m, memory: 1Gi}.")),
    limits: Type.Optional(ResourceListSchema("Most the container may use; above its memory limit it is killed.")),
  },
  {
    description:
      "CPU and memory of the inference container, as in a Pod's resources. The accelerator resources the chosen EdgeRuntime needs (e.g. nvidia.com/gpu) are added to limits by the operator.",
  },
);

const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;

/** metav1.Condition, field for field, so generic tooling (kstatus, kubectl wait) understands it. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      maxLength: 316,
      pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      description: "Kind of condition: Ready, Progressing, Degraded or Stalled.",
    }),
    status: StringEnum(CONDITION_STATUSES, { description: "Whether the condition holds: True, False or Unknown." }),
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      description: "CamelCase word for the last transition, for programs to match on.",
    }),
    message: Type.String({ maxLength: 32768, description: "What happened, for people; may be empty." }),
    lastTransitionTime: Type.String({ format: "date-time", description: "When the status last changed." }),
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: "int64", description: "The metadata.generation the condition was computed from." }),
    ),
  },
  { description: "One aspect of the object's state, in the standard metav1.Condition shape." },
);
export type Condition = Static<typeof ConditionSchema>;
