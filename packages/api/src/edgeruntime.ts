import { type Static, Type } from "@sinclair/typebox";
import { AcceleratorSchema, ArchitectureSchema, NodeSelectorSchema, ResourceListSchema } from "./common.js";
import type { SpecObject } from "./group.js";
import { cel, DottedVersion, StringEnum } from "./kube-schema.js";
import { MODEL_REPOSITORY_DIR, MODEL_REPOSITORY_LAYOUTS, SERVED_VERSION, TRITON_FORMATS } from "./model-repository.js";
import { ACCELERATORS, FORMATS, INFERENCE_PROTOCOLS, PRECISIONS } from "./vocabulary.js";

/** How a runtime's processes map to models: one per model, or one per node shared by a namespace's models. */
export const SERVING_MODES = ["PerModel", "Shared"] as const;
export type ServingMode = (typeof SERVING_MODES)[number];
/** CEL: the runtime is not Shared (serving may be unset on objects the API server has not defaulted). */
const NOT_SHARED = "!has(self.serving) || self.serving != 'Shared'";

const SupportedFormatSchema = Type.Object(
  {
    format: StringEnum(FORMATS, { description: "A model format the runtime loads: onnx, tensorrt, tflite or openvino." }),
    precisions: Type.Array(StringEnum(PRECISIONS, { description: "A numeric precision: fp32, fp16, int8 or int4." }), {
      minItems: 1,
      maxItems: PRECISIONS.length,
      "x-kubernetes-list-type": "set",
      description: "Precisions of that format the runtime executes.",
    }),
    versions: Type.Optional(
      Type.Array(DottedVersion({ description: 'A version of the format\'s runtime library, e.g. "1.20.1".' }), {
        maxItems: 8,
        "x-kubernetes-list-type": "set",
        description: "Versions of the format's runtime library the image ships, matched against variants' requirements.runtimeVersion.",
      }),
    ),
  },
  { description: "A model format the runtime loads, and in which precisions." },
);

const AcceleratorBindingSchema = Type.Object(
  {
    kind: AcceleratorSchema("The accelerator: nvidia-gpu, intel-gpu, intel-npu, edgetpu or cpu."),
    resources: Type.Optional(
      ResourceListSchema(
        'Extended resources one replica needs to use the accelerator, added to the container\'s limits, e.g. {"nvidia.com/gpu": 1}. Nodes must have them allocatable.',
      ),
    ),
    nodeSelector: Type.Optional(NodeSelectorSchema("Labels a node must also carry for the runtime to use the accelerator there.")),
    sharing: Type.Optional(
      Type.Object(
        {
          maxModels: Type.Integer({
            minimum: 2,
            maximum: 64,
            format: "int32",
            description:
              "Most models placed with this runtime on one device: the oldest model's pods request the resources, each later one takes a slot without requesting them.",
          }),
        },
        {
          description:
            "Lets several models' pods use one device of this accelerator: only the first model placed on a node requests the resources, the others share its device (see docs/placement.md; each model still runs in a pod of its own, so the node's container runtime must expose the device to pods that do not request it).",
        },
      ),
    ),
  },
  {
    description: "An accelerator the runtime can use, and what using it takes.",
    "x-kubernetes-validations": [
      cel(
        "!has(self.sharing) || has(self.resources)",
        "accelerators[].sharing needs resources: the device the first model's pods request and later models share",
        ".sharing",
      ),
    ],
  },
);

const EnvVarSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      pattern: "^[-._a-zA-Z][-._a-zA-Z0-9]*$",
      description: "Name of the environment variable.",
    }),
    value: Type.String({ maxLength: 32768, description: "Value of the environment variable." }),
  },
  {
    description: "An environment variable of the runtime container.",
    "x-kubernetes-validations": [
      cel("!self.name.startsWith('EDGEFLEET_')", "env names starting with EDGEFLEET_ are reserved for the operator", ".name"),
    ],
  },
);

const PORT_PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

const PortSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 15,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      description: "Name of the port, e.g. http or grpc.",
    }),
    containerPort: Type.Integer({ minimum: 1, maximum: 65535, format: "int32", description: "Port number the runtime listens on." }),
    protocol: Type.Optional(StringEnum(PORT_PROTOCOLS, { default: "TCP", description: "Transport protocol: TCP, UDP or SCTP." })),
  },
  { description: "A port the runtime serves on." },
);

export const EdgeRuntimeSpecSchema = Type.Object(
  {
    supportedFormats: Type.Array(SupportedFormatSchema, {
      minItems: 1,
      maxItems: FORMATS.length,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["format"],
      description: "Model formats and precisions the runtime loads.",
    }),
    accelerators: Type.Array(AcceleratorBindingSchema, {
      minItems: 1,
      maxItems: ACCELERATORS.length,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["kind"],
      description: "Accelerators the runtime can execute models on, each with the resources it needs there.",
    }),
    architectures: Type.Array(ArchitectureSchema("A CPU architecture: amd64 or arm64."), {
      minItems: 1,
      maxItems: 2,
      "x-kubernetes-list-type": "set",
      description: "CPU architectures the image is built for.",
    }),
    image: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: "^\\S+$",
      description: "Container image of the runtime, e.g. ghcr.io/edgefleet/runtime-onnx:0.1.0.",
    }),
    command: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096, description: "One word of the command." }), {
        maxItems: 32,
        "x-kubernetes-list-type": "atomic",
        description: "Entrypoint of the container; unset keeps the image's.",
      }),
    ),
    args: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096, description: "One argument." }), {
        maxItems: 64,
        "x-kubernetes-list-type": "atomic",
        description: "Arguments to the entrypoint.",
      }),
    ),
    env: Type.Optional(
      Type.Array(EnvVarSchema, {
        maxItems: 64,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        description: "Environment of the container, besides the EDGEFLEET_* variables the operator sets to describe the model.",
      }),
    ),
    ports: Type.Optional(
      Type.Array(PortSchema, {
        maxItems: 8,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        description: "Ports the runtime serves inference on.",
      }),
    ),
    protocol: Type.Optional(
      StringEnum(INFERENCE_PROTOCOLS, {
        default: "open-inference-v2",
        description: "Inference protocol the runtime speaks; open-inference-v2 is the KServe/Triton Open Inference Protocol.",
      }),
    ),
    priority: Type.Optional(
      Type.Integer({
        default: 0,
        format: "int32",
        description:
          "When several runtimes fit a variant on an accelerator, the highest priority wins; ties go to the name first in order.",
      }),
    ),
    disabled: Type.Optional(Type.Boolean({ default: false, description: "Takes the runtime out of placement without deleting it." })),
    serving: Type.Optional(
      StringEnum(SERVING_MODES, {
        default: "PerModel",
        description:
          "PerModel: each model's pods run the runtime, one process per model. Shared: one process per node serves every model of a namespace placed with this runtime on that hardware class and accelerator: the operator runs the runtime's container once per node (a DaemonSet of its own, holding the accelerator's resources), started in explicit model control with the args given here, which must include the model repository API's restriction to the load key (Triton: --model-control-mode=explicit --http-restricted-api=model-repository:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)); each model's pods run edgefleet's model loader instead, which loads the verified file into it through the model repository API (the file in the request), so one model's rollout loads and unloads its versions without restarting the others.",
      }),
    ),
    modelRepository: Type.Optional(
      Type.Object(
        {
          layout: StringEnum(MODEL_REPOSITORY_LAYOUTS, {
            description: `triton: NAME/config.pbtxt and NAME/${SERVED_VERSION}/model.plan (TensorRT) or model.onnx (ONNX), NAME the EdgeModel's name.`,
          }),
        },
        {
          description: `The runtime reads a model repository rather than one file (NVIDIA Triton does): the verify-artifact init container copies the verified file into an emptyDir of the pod in this layout, mounted read-only at ${MODEL_REPOSITORY_DIR} in the runtime, and the edge agent probes the model as version ${SERVED_VERSION}.`,
        },
      ),
    ),
  },
  {
    description: "An inference runtime: what it loads, where it runs and how to start it.",
    "x-kubernetes-validations": [
      cel(
        `!has(self.modelRepository) || self.supportedFormats.all(f, f.format in [${TRITON_FORMATS.map((f) => `'${f}'`).join(", ")}])`,
        `modelRepository.layout triton lays out ${TRITON_FORMATS.join(" and ")} files only: remove the other supportedFormats, or modelRepository`,
        ".modelRepository",
      ),
      cel(
        `${NOT_SHARED} || self.supportedFormats.all(f, f.format in [${TRITON_FORMATS.map((f) => `'${f}'`).join(", ")}])`,
        `serving Shared loads ${TRITON_FORMATS.join(" and ")} files only (the model loader names their file and platform): remove the other supportedFormats, or serving`,
        ".serving",
      ),
      cel(
        `${NOT_SHARED} || !has(self.modelRepository)`,
        "serving Shared sends each model's file in its load request: a shared server reads no per-pod modelRepository; remove one of them",
        ".serving",
      ),
      cel(
        `${NOT_SHARED} || self.accelerators.all(a, !has(a.resources) || has(a.sharing))`,
        "serving Shared: the server's pod holds each accelerator's device for every model on it, so each accelerator with resources needs sharing.maxModels (how many models one device takes)",
        ".serving",
      ),
      cel(
        `${NOT_SHARED} || (has(self.ports) && self.ports.exists(p, p.name == 'http'))`,
        "serving Shared: the model loaders reach the server on its port named http (Open Inference Protocol v2 over HTTP); add it to ports",
        ".serving",
      ),
      cel(
        `${NOT_SHARED} || !has(self.protocol) || self.protocol == 'open-inference-v2'`,
        "serving Shared: the model loaders speak the Open Inference Protocol v2's model repository extension; protocol must be open-inference-v2",
        ".serving",
      ),
    ],
  },
);
export type EdgeRuntimeSpec = Static<typeof EdgeRuntimeSpecSchema>;
export type AcceleratorBinding = EdgeRuntimeSpec["accelerators"][number];

export type EdgeRuntime = SpecObject<"EdgeRuntime", EdgeRuntimeSpec>;
