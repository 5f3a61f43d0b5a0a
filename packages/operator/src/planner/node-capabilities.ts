import type { Accelerator } from "@edgefleet/api";
import { LABELS } from "@edgefleet/api";
import type { V1Node, V1Taint } from "@kubernetes/client-node";
import { parseQuantity } from "./quantity.js";

/** What one node offers for inference, read from its labels and allocatable resources. */
export interface NodeCapabilities {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** The edgefleet.io/hardware-class label, when the node has one. */
  hardwareClass: string | undefined;
  arch: string;
  /** Always includes cpu. */
  accelerators: ReadonlySet<Accelerator>;
  /** NVIDIA compute capability as "major.minor", from GPU Feature Discovery's labels. */
  computeCapability: string | undefined;
  allocatable: Readonly<Record<string, number>>;
  taints: readonly V1Taint[];
}

/**
 * How each accelerator shows up on a node: the labels Node Feature Discovery, NVIDIA GPU Feature
 * Discovery and Intel's NFD rules set, and the extended resources the vendors' device plugins
 * advertise. Either is enough to know the hardware is there; whether the runtime's resources are
 * allocatable is checked separately, so a node whose device plugin is missing is reported as such.
 */
const SIGNALS: Record<Exclude<Accelerator, "cpu">, { labels: string[]; resources: string[] }> = {
  "nvidia-gpu": { labels: ["nvidia.com/gpu.present"], resources: ["nvidia.com/gpu"] },
  "intel-gpu": { labels: ["intel.feature.node.kubernetes.io/gpu"], resources: ["gpu.intel.com/i915", "gpu.intel.com/xe"] },
  "intel-npu": { labels: ["intel.feature.node.kubernetes.io/npu"], resources: ["npu.intel.com/accel"] },
  // Coral USB after firmware load (18d1:9302) and Coral PCIe/M.2 (1ac1).
  edgetpu: {
    labels: ["feature.node.kubernetes.io/usb-ff_18d1_9302.present", "feature.node.kubernetes.io/pci-0880_1ac1.present"],
    resources: ["coral.ai/tpu"],
  },
};

// Keyed by the node object: caches replace a node's object when it changes, so an entry is never
// stale, and every model's plan reuses the work instead of re-parsing hundreds of nodes.
const computed = new WeakMap<V1Node, NodeCapabilities>();

export function nodeCapabilities(node: V1Node): NodeCapabilities {
  let caps = computed.get(node);
  if (!caps) {
    caps = readCapabilities(node);
    computed.set(node, caps);
  }
  return caps;
}

function readCapabilities(node: V1Node): NodeCapabilities {
  const name = node.metadata?.name;
  if (!name) throw new Error("a Node without metadata.name cannot be planned for");
  const labels = node.metadata?.labels ?? {};
  const allocatable = parseResources(node.status?.allocatable ?? {});
  const accelerators = new Set<Accelerator>(["cpu"]);
  for (const [kind, signal] of Object.entries(SIGNALS) as [Accelerator, (typeof SIGNALS)[keyof typeof SIGNALS]][]) {
    const labelled = labels[LABELS.accelerator] === kind || signal.labels.some((l) => labels[l] === "true");
    if (labelled || signal.resources.some((r) => (allocatable[r] ?? 0) > 0)) accelerators.add(kind);
  }
  const major = labels["nvidia.com/gpu.compute.major"];
  const minor = labels["nvidia.com/gpu.compute.minor"];
  return {
    name,
    labels,
    hardwareClass: labels[LABELS.hardwareClass] || undefined,
    arch: labels[LABELS.arch] ?? node.status?.nodeInfo?.architecture ?? "unknown",
    accelerators,
    computeCapability: major !== undefined && /^\d+$/.test(major) && /^\d+$/.test(minor ?? "") ? `${major}.${minor}` : undefined,
    allocatable,
    taints: node.spec?.taints ?? [],
  };
}

function parseResources(resources: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, quantity] of Object.entries(resources)) {
    try {
      out[name] = parseQuantity(quantity);
    } catch {
      // A malformed quantity from a broken device plugin makes that resource unusable, not the node.
      out[name] = 0;
    }
  }
  return out;
}
