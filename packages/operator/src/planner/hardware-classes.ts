import type { Accelerator } from "@edgefleet/api";
import type { NodeCapabilities } from "./node-capabilities.js";
import { compareVersions } from "./versions.js";

/** Nodes that are planned for together: one kind of device, one workload per model. */
export interface HardwareClass {
  name: string;
  /** True when name is the nodes' edgefleet.io/hardware-class label, false when derived from their hardware. */
  labelled: boolean;
  /** Sorted by name. */
  nodes: NodeCapabilities[];
}

/** What every node of a set offers: a workload planned on it runs on each of them. */
export interface SharedCapabilities {
  architectures: string[];
  accelerators: ReadonlySet<Accelerator>;
  /** The lowest compute capability; undefined when a node reports none. */
  computeCapability: string | undefined;
}

/**
 * Groups nodes by their edgefleet.io/hardware-class label; a node without one joins a class named
 * for its hardware ("auto-arm64-nvidia-gpu-sm87"), so unlabelled devices are planned for too and
 * identical ones share a workload. Classes and their nodes come sorted by name.
 */
export function groupIntoClasses(nodes: readonly NodeCapabilities[]): HardwareClass[] {
  const classes = new Map<string, HardwareClass>();
  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = node.hardwareClass ?? derivedClassName(node);
    const cls = classes.get(name) ?? { name, labelled: node.hardwareClass !== undefined, nodes: [] };
    cls.nodes.push(node);
    classes.set(name, cls);
  }
  return [...classes.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function derivedClassName(node: NodeCapabilities): string {
  const accelerators = [...node.accelerators].filter((a) => a !== "cpu").sort();
  const parts = ["auto", node.arch, ...(accelerators.length ? accelerators : ["cpu"])];
  if (node.computeCapability) parts.push(`sm${node.computeCapability.replace(".", "")}`);
  return parts.join("-");
}

export function sharedCapabilities(nodes: readonly NodeCapabilities[]): SharedCapabilities {
  const [first, ...rest] = nodes;
  if (!first) throw new Error("sharedCapabilities needs at least one node");
  const accelerators = new Set(first.accelerators);
  let computeCapability = first.computeCapability;
  for (const node of rest) {
    for (const a of accelerators) if (!node.accelerators.has(a)) accelerators.delete(a);
    if (computeCapability !== undefined) {
      computeCapability =
        node.computeCapability === undefined || compareVersions(node.computeCapability, computeCapability) < 0
          ? node.computeCapability
          : computeCapability;
    }
  }
  const architectures = [...new Set(nodes.map((n) => n.arch))].sort();
  return { architectures, accelerators, computeCapability };
}
