import type { V1Node } from "@kubernetes/client-node";

/** Nodes shaped like the local platform's default fleet (tools/fleet/default.yaml), for planner tests. */

export function node(name: string, options: { labels?: Record<string, string>; allocatable?: Record<string, string> } = {}): V1Node {
  return {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...options.labels } },
    status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110", ...options.allocatable } },
  };
}

const CLASSES = {
  "jetson-orin": {
    labels: {
      "kubernetes.io/arch": "arm64",
      "edgefleet.io/accelerator": "nvidia-gpu",
      "nvidia.com/gpu.present": "true",
      "nvidia.com/gpu.compute.major": "8",
      "nvidia.com/gpu.compute.minor": "7",
    },
    allocatable: { "nvidia.com/gpu": "1" },
  },
  "intel-nuc": {
    labels: {
      "kubernetes.io/arch": "amd64",
      "edgefleet.io/accelerator": "intel-npu",
      "intel.feature.node.kubernetes.io/gpu": "true",
      "intel.feature.node.kubernetes.io/npu": "true",
    },
    allocatable: { "gpu.intel.com/i915": "1", "npu.intel.com/accel": "1" },
  },
  "rpi5-coral": {
    labels: {
      "kubernetes.io/arch": "arm64",
      "edgefleet.io/accelerator": "edgetpu",
      "feature.node.kubernetes.io/usb-ff_18d1_9302.present": "true",
    },
    allocatable: { "coral.ai/tpu": "1" },
  },
  "x86-cpu": { labels: { "kubernetes.io/arch": "amd64", "edgefleet.io/accelerator": "none" }, allocatable: {} },
} as const;

type ReferenceClass = keyof typeof CLASSES;

/** The i-th (1-based) node of a reference class, with its hardware-class label unless unlabelled. */
export function classNode(
  cls: ReferenceClass,
  index: number,
  tweak: { labels?: Record<string, string>; allocatable?: Record<string, string>; unlabelled?: boolean } = {},
): V1Node {
  const { labels, allocatable } = CLASSES[cls];
  return node(`${cls}-${String(index).padStart(4, "0")}`, {
    labels: { ...labels, ...(tweak.unlabelled ? {} : { "edgefleet.io/hardware-class": cls }), ...tweak.labels },
    allocatable: { ...allocatable, ...tweak.allocatable },
  });
}

/** count nodes of every reference class. */
export function referenceFleet(count = 2): V1Node[] {
  return (Object.keys(CLASSES) as ReferenceClass[]).flatMap((cls) => Array.from({ length: count }, (_, i) => classNode(cls, i + 1)));
}
