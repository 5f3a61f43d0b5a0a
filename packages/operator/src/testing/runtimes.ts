import type { EdgeRuntime } from "@edgefleet/api";
import { DEFAULT_RUNTIMES } from "@edgefleet/api";

/**
 * The default catalog with TensorRT's GPU shareable by maxModels models, as Triton's would be, for
 * planner tests; serving Shared makes it one server process per node, as Triton runs.
 */
export function sharingTensorRt(maxModels: number, serving: "PerModel" | "Shared" = "PerModel"): EdgeRuntime[] {
  return DEFAULT_RUNTIMES.map((r) =>
    r.metadata.name === "tensorrt"
      ? {
          ...r,
          spec: {
            ...r.spec,
            accelerators: [{ kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels } }],
            ...(serving === "Shared" ? { serving } : {}),
          },
        }
      : r,
  );
}
