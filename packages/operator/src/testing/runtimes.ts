import type { EdgeRuntime, ServingMode } from "@edgefleet/api";
import { DEFAULT_RUNTIMES } from "@edgefleet/api";

/**
 * The default catalog with its TensorRT runtime made per-model for planner tests: one model per
 * process, as a site's own TensorRT server reading the verified engine would be, its GPU held by one
 * model (maxModels unset) or shared by maxModels models' pods; serving Shared puts back the
 * catalog's one Triton process per node.
 */
export function tensorRtCatalog(o: { maxModels?: number; serving?: ServingMode } = {}): EdgeRuntime[] {
  return DEFAULT_RUNTIMES.map((r) => {
    if (r.metadata.name !== "tensorrt") return r;
    const { serving = "PerModel", maxModels } = o;
    const gpu = { kind: "nvidia-gpu" as const, resources: { "nvidia.com/gpu": 1 }, ...(maxModels ? { sharing: { maxModels } } : {}) };
    const spec = { ...r.spec, accelerators: [gpu], serving };
    if (serving === "PerModel") {
      spec.image = "registry.site.example/runtime-tensorrt:1.0.0";
      delete spec.command;
      spec.args = ["--http-port=8080"];
      spec.ports = [{ name: "http", containerPort: 8080, protocol: "TCP" }];
    }
    return { ...r, spec };
  });
}
