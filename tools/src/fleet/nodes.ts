import { LABELS as API_LABELS } from "@edgefleet/api";
import type { FleetProfile, HardwareClass } from "./profile.js";

/** Labels edgefleet puts on every simulated node, on top of the class's own. */
export const LABELS = {
  profile: "edgefleet.io/fleet-profile",
  hardwareClass: API_LABELS.hardwareClass,
  accelerator: API_LABELS.accelerator,
  site: "edgefleet.io/site",
} as const;

/** kwok's controller manages the Nodes carrying this annotation (kwokctl's default selector). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

/** The slice of a Kubernetes Node this module produces: enough to apply it as-is. */
export interface FleetNode {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { taints?: { key: string; value?: string; effect: string }[] };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    nodeInfo: {
      architecture: string;
      operatingSystem: string;
      kubeletVersion: string;
      osImage: string;
      kernelVersion: string;
      containerRuntimeVersion: string;
      kubeProxyVersion: string;
      machineID: string;
      systemUUID: string;
      bootID: string;
    };
  };
}

/** Name of the i-th (0-based) node of a class; zero-padded so names sort by index. */
export function nodeName(cls: string, index: number): string {
  return `${cls}-${String(index + 1).padStart(4, "0")}`;
}

/** Every Node of the fleet, in a stable order; nodes of a class are spread round-robin over sites. */
export function fleetNodes(profile: FleetProfile): FleetNode[] {
  return profile.classes.flatMap((cls) => Array.from({ length: cls.count }, (_, i) => classNode(profile, cls, i)));
}

function classNode(profile: FleetProfile, cls: HardwareClass, index: number): FleetNode {
  const site = profile.sites[index % profile.sites.length];
  if (!site) throw new Error("fleet profile has no sites");
  const name = nodeName(cls.name, index);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        ...cls.labels,
        "kubernetes.io/arch": cls.arch,
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name,
        "node.kubernetes.io/instance-type": cls.instanceType,
        "topology.kubernetes.io/region": site.region,
        "topology.kubernetes.io/zone": site.zone,
        [LABELS.site]: site.name,
        [LABELS.hardwareClass]: cls.name,
        [LABELS.accelerator]: cls.accelerator,
        [LABELS.profile]: profile.name,
        type: "kwok",
      },
      annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
    },
    spec: cls.taints.length ? { taints: cls.taints.map((t) => ({ ...t })) } : {},
    status: {
      capacity: { ...cls.capacity },
      allocatable: { ...cls.capacity },
      nodeInfo: {
        architecture: cls.arch,
        operatingSystem: "linux",
        kubeletVersion: "kwok",
        osImage: cls.osImage,
        kernelVersion: "",
        containerRuntimeVersion: "kwok",
        kubeProxyVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}
