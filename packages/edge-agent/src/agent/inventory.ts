import { existsSync } from "node:fs";
import { availableParallelism, arch as osArch, totalmem } from "node:os";
import { join } from "node:path";
import type { Accelerator, Architecture } from "@edgefleet/api";
import type { BirthPayload } from "@edgefleet/telemetry";

export type Hardware = BirthPayload["hardware"];

/** Node's names for the CPU architectures the operator's vocabulary knows. */
const NODE_ARCHES: Readonly<Record<string, Architecture>> = { x64: "amd64", arm64: "arm64" };

export function detectArch(nodeArch: string = osArch()): Architecture {
  const arch = NODE_ARCHES[nodeArch];
  if (arch === undefined) throw new Error(`cannot map CPU architecture "${nodeArch}" to amd64 or arm64: pass --arch`);
  return arch;
}

/**
 * Files each accelerator's driver makes: the NVIDIA driver's control node (discrete GPUs), the
 * Jetson integrated GPU's nvhost node, the i915 (Intel GPU) and intel_vpu (NPU) modules' sysfs
 * directories, and the Coral PCIe gasket node.
 */
const ACCELERATOR_FILES: ReadonlyArray<readonly [Accelerator, string]> = [
  ["nvidia-gpu", "dev/nvidiactl"],
  ["nvidia-gpu", "dev/nvhost-ctrl-gpu"],
  ["intel-gpu", "sys/module/i915"],
  ["intel-npu", "sys/module/intel_vpu"],
  ["edgetpu", "dev/apex_0"],
];

/** Every node has a CPU; the rest are found by their driver's files below root. */
export function detectAccelerators(root: string): Accelerator[] {
  const found = new Set<Accelerator>(["cpu"]);
  for (const [accelerator, path] of ACCELERATOR_FILES) if (existsSync(join(root, path))) found.add(accelerator);
  return [...found];
}

export interface InventoryOptions {
  readonly hardwareClass: string;
  readonly arch: Architecture | undefined;
  readonly accelerators: Accelerator[] | undefined;
  readonly sensors: readonly string[];
  /** Where driver files are looked for, as dev/... and sys/... below it ("/" on a device, --sysfs-root). */
  readonly root: string;
}

/** What the birth message tells the fleet about this node: flags win, detection fills in the rest. */
export function inventory(options: InventoryOptions): Hardware {
  return {
    hardwareClass: options.hardwareClass,
    arch: options.arch ?? detectArch(),
    accelerators: options.accelerators ?? detectAccelerators(options.root),
    cpuCount: Math.max(1, availableParallelism()),
    memoryBytes: totalmem(),
    sensors: [...options.sensors],
  };
}
