/**
 * A model repository that the verify-artifact init container lays out for a runtime that reads
 * one (EdgeRuntime spec.modelRepository), such as NVIDIA Triton: the verified file copied into a
 * volume of the pod, in the layout the runtime expects, which the runtime mounts read-only.
 */

/** Where the repository is mounted in the init container (read-write) and the runtime (read-only). */
export const MODEL_REPOSITORY_DIR = "/var/lib/edgefleet/model-repository";

export const MODEL_REPOSITORY_LAYOUTS = ["triton"] as const;
export type ModelRepositoryLayout = (typeof MODEL_REPOSITORY_LAYOUTS)[number];

/**
 * Triton's layout: `NAME/config.pbtxt` and `NAME/1/FILE`, a model per directory and a version per
 * numbered directory. The file's name and the platform in config.pbtxt by format; Triton completes
 * the rest of the configuration (inputs, outputs) from the model itself.
 */
export const TRITON_MODEL_FILES = {
  tensorrt: { file: "model.plan", platform: "tensorrt_plan" },
  onnx: { file: "model.onnx", platform: "onnxruntime_onnx" },
} as const;
export type TritonFormat = keyof typeof TRITON_MODEL_FILES;
export const TRITON_FORMATS = Object.keys(TRITON_MODEL_FILES) as TritonFormat[];

/** The version directory: one model version per pod, so always the first. */
export const SERVED_VERSION = "1";

/**
 * On the pods of a runtime that reads a model repository: the version it serves the model under
 * (SERVED_VERSION), which the edge agent probes instead of the EdgeModel's version. The name is
 * the EdgeModel's either way.
 */
export const SERVED_VERSION_ANNOTATION = "edgefleet.io/served-version";

/** config.pbtxt of a model in Triton's layout. */
export function tritonConfig(name: string, format: TritonFormat): string {
  return `# Written by edgefleet's verify-artifact init container; Triton completes the rest from the model.\nname: "${name}"\nplatform: "${TRITON_MODEL_FILES[format].platform}"\n`;
}

/** The model file's path in the repository, relative to MODEL_REPOSITORY_DIR. */
export function tritonModelPath(name: string, format: TritonFormat): string {
  return `${name}/${SERVED_VERSION}/${TRITON_MODEL_FILES[format].file}`;
}
