/**
 * The device kinds edgefleet provisions, and what K3s should say about each node of a kind: the
 * labels the operator plans by and the taints that keep general workloads off scarce hardware.
 */

import type { Accelerator, Architecture, NodeAccelerator } from "@edgefleet/api";

/** Every node's site label; the agents are selected by it. */
export const SITE_LABEL = "edgefleet.io/site";

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** What every node has: CPU and memory from /proc, temperatures from thermal zones and hwmon chips, all world-readable. */
const BASE_SENSORS = ["thermal", "hwmon", "cpu", "memory"] as const;

/**
 * Built-in hardware classes (the local platform's fleet profile uses the same names), with the
 * edge agent's --sensors for their power draw (packages/edge-agent/src/sensors): a Jetson's
 * INA3221 rails, an x86 CPU's RAPL energy counters (root-only files: the agent's RAPL init step in
 * platform/agent.ts opens them to the agent alone). A Raspberry Pi 5 and a generic ARM board
 * expose no power sensor to Linux; hwmon reports one where a board has it.
 */
export const HARDWARE_CLASSES: Readonly<
  Record<string, { readonly accelerator: NodeAccelerator; readonly arch: Architecture; readonly sensors: readonly string[] }>
> = {
  "jetson-orin": { accelerator: "nvidia-gpu", arch: "arm64", sensors: [...BASE_SENSORS, "ina3221"] },
  "intel-nuc": { accelerator: "intel-npu", arch: "amd64", sensors: [...BASE_SENSORS, "rapl"] },
  "rpi5-coral": { accelerator: "edgetpu", arch: "arm64", sensors: BASE_SENSORS },
  "x86-cpu": { accelerator: "none", arch: "amd64", sensors: [...BASE_SENSORS, "rapl"] },
  "arm-cpu": { accelerator: "none", arch: "arm64", sensors: BASE_SENSORS },
};

/**
 * The agent's --sensors on a node of the class. A class edgefleet does not know gets the sensors
 * that need no privilege: RAPL's init step is only deployed where RAPL is known to be.
 */
export function classSensors(hardwareClass: string): readonly string[] {
  return HARDWARE_CLASSES[hardwareClass]?.sensors ?? BASE_SENSORS;
}

/**
 * What a node of a built-in class reports in its birth (the agent's --accelerators): its class's
 * accelerator and the CPU every node has. Undefined for classes edgefleet does not know, whose
 * agents detect their own.
 */
export function classAccelerators(hardwareClass: string): Accelerator[] | undefined {
  const known = HARDWARE_CLASSES[hardwareClass];
  if (known === undefined) return undefined;
  return known.accelerator === "none" ? ["cpu"] : [known.accelerator, "cpu"];
}

export interface NodeIdentity {
  readonly hardwareClass: string;
  readonly accelerator: NodeAccelerator;
  readonly site: string;
  /** Extra labels and taints for this host, from the stack config. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
}

/** Labels K3s registers the node with: what the operator's planner groups and places by. */
export function nodeLabels(node: NodeIdentity): Record<string, string> {
  return {
    "edgefleet.io/hardware-class": node.hardwareClass,
    "edgefleet.io/accelerator": node.accelerator,
    [SITE_LABEL]: node.site,
    ...node.labels,
  };
}

/**
 * Accelerator nodes are tainted PreferNoSchedule, not NoSchedule: the scheduler keeps ordinary
 * pods on CPU nodes while it can, yet the operator's model runtimes
 * still land on the devices they were planned for.
 */
export function nodeTaints(node: NodeIdentity): Taint[] {
  const own: Taint[] =
    node.accelerator === "none" ? [] : [{ key: "edgefleet.io/accelerator", value: node.accelerator, effect: "PreferNoSchedule" }];
  return [...own, ...(node.taints ?? [])];
}

/** K3s's `--node-taint` syntax: key=value:Effect. */
export const taintFlag = (t: Taint) => `${t.key}${t.value === undefined ? "" : `=${t.value}`}:${t.effect}`;
