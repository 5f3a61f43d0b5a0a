import type { Accelerator, AcceleratorBinding, EdgeRuntime, ModelVariant } from "@edgefleet/api";
import { type Capacity, type Claim, coMembers, MEMORY, sharingGroup } from "./capacity.js";
import type { SharedCapabilities } from "./hardware-classes.js";
import type { NodeCapabilities } from "./node-capabilities.js";
import { parseQuantity } from "./quantity.js";
import { isShared } from "./shared-server.js";
import { compareVersions, inVersionRange } from "./versions.js";

/** A way to run the model on a set of nodes. */
export interface Choice {
  variant: ModelVariant;
  runtime: EdgeRuntime;
  accelerator: Accelerator;
  binding: AcceleratorBinding;
  /** What the choice takes on each of the class's nodes; the DaemonSet requests its resources. */
  claim: Claim;
  /** On a sharing binding: the other models (namespace/name) using the same devices, in order. */
  sharedWith: string[];
}

export type Selection =
  /**
   * passedOver: why each better-preferred option was not taken, for the placement's status;
   * betterAccelerators: those the nodes have that the preference ranks ahead of the choice.
   */
  | { ok: true; choice: Choice; passedOver: string[]; betterAccelerators: Accelerator[]; capacityLimited: boolean }
  | { ok: false; reason: string; capacityLimited: boolean };

export interface SelectionInput {
  variants: readonly ModelVariant[];
  runtimes: readonly EdgeRuntime[];
  preference: readonly Accelerator[];
  /** All of one architecture. */
  nodes: readonly NodeCapabilities[];
  shared: SharedCapabilities;
  /** What older models' placements already take on the nodes. */
  capacity: Capacity;
  /** Memory the model's pod reserves on each node (0: none). */
  memory: number;
  /** The model's namespace: a Shared runtime's server, and so its device, serves one namespace's models. */
  namespace: string;
}

/**
 * Tries the accelerators in preference order and, on each, the variants in the order the model
 * lists them and the runtimes by priority: the first pair that every node can run, with what older
 * models' placements left of its resources, wins. When none does, the reason says, variant by
 * variant, what stood in the way; capacityLimited says whether capacity was part of it.
 */
export function selectVariant(input: SelectionInput): Selection {
  const arch = input.shared.architectures[0] ?? "unknown";
  const runtimes = [...input.runtimes].sort((a, b) => (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || name(a).localeCompare(name(b)));
  const rejections = new Map<string, string[]>();
  let capacityLimited = false;
  const reject = (variant: ModelVariant, accelerator: Accelerator, why: string) =>
    rejections.set(variant.name, [...(rejections.get(variant.name) ?? []), `${variant.name} on ${accelerator}: ${why}`]);

  for (const accelerator of input.preference) {
    if (!input.shared.accelerators.has(accelerator)) continue;
    for (const variant of input.variants) {
      if (!variant.requirements.accelerators.includes(accelerator)) continue;
      const unfit = variantProblem(variant, accelerator, arch, input.shared);
      if (unfit) {
        reject(variant, accelerator, unfit);
        continue;
      }
      const problems: string[] = [];
      for (const runtime of runtimes) {
        const verdict = runtimeVerdict(runtime, variant, accelerator, arch, input);
        if (verdict.kind === "fits") {
          return {
            ok: true,
            capacityLimited,
            choice: { variant, runtime, accelerator, binding: verdict.binding, claim: verdict.claim, sharedWith: verdict.sharedWith },
            passedOver: [...rejections.values()].flat(),
            betterAccelerators: input.preference
              .slice(0, input.preference.indexOf(accelerator))
              .filter((a) => input.shared.accelerators.has(a)),
          };
        }
        if (verdict.kind === "full") capacityLimited = true;
        if (verdict.kind !== "unrelated") problems.push(`runtime ${name(runtime)} ${verdict.problem}`);
      }
      reject(
        variant,
        accelerator,
        problems.length ? problems.join(", ") : `no EdgeRuntime serves ${variant.format} ${variant.precision} on ${accelerator}`,
      );
    }
  }
  const perVariant = input.variants.map((v) => rejections.get(v.name)?.join("; ") ?? unusedAccelerators(v, input.preference));
  return { ok: false, reason: `no variant fits: ${perVariant.join("; ")}`, capacityLimited };
}

const name = (runtime: EdgeRuntime) => runtime.metadata.name ?? "";

function variantProblem(variant: ModelVariant, accelerator: Accelerator, arch: string, shared: SharedCapabilities): string | undefined {
  const { architectures, minComputeCapability } = variant.requirements;
  if (architectures?.length && !(architectures as readonly string[]).includes(arch))
    return `built for ${architectures.join(", ")}, not ${arch}`;
  if (accelerator === "nvidia-gpu" && minComputeCapability !== undefined) {
    const have = shared.computeCapability;
    if (have === undefined)
      return `needs compute capability ${minComputeCapability}, and the nodes report none (nvidia.com/gpu.compute.major/minor labels)`;
    if (compareVersions(have, minComputeCapability) < 0) return `needs compute capability ${minComputeCapability}, the nodes have ${have}`;
  }
  return undefined;
}

type RuntimeVerdict =
  | { kind: "fits"; binding: AcceleratorBinding; claim: Claim; sharedWith: string[] }
  /** The nodes could run it, but older models' placements took what it needs. */
  | { kind: "full"; problem: string }
  | { kind: "unfit"; problem: string }
  | { kind: "unrelated" };

function runtimeVerdict(
  runtime: EdgeRuntime,
  variant: ModelVariant,
  accelerator: Accelerator,
  arch: string,
  input: SelectionInput,
): RuntimeVerdict {
  const { nodes } = input;
  const { spec } = runtime;
  const binding = spec.accelerators.find((b) => b.kind === accelerator);
  const format = spec.supportedFormats.find((f) => f.format === variant.format && f.precisions.includes(variant.precision));
  if (!binding || !format) return { kind: "unrelated" };
  const unfit = (problem: string): RuntimeVerdict => ({ kind: "unfit", problem });
  if (spec.disabled) return unfit("is disabled");
  if (!(spec.architectures as readonly string[]).includes(arch)) return unfit(`has no ${arch} image`);
  const range = variant.requirements.runtimeVersion;
  if (range && !(format.versions ?? []).some((v) => inVersionRange(v, range))) {
    return unfit(
      `ships ${variant.format} ${format.versions?.join(", ") || "of no stated version"}, outside ${range.min ?? ""}..${range.max ?? ""}`,
    );
  }
  for (const [resource, quantity] of Object.entries(binding.resources ?? {})) {
    const need = parseQuantity(quantity);
    const short = nodes.find((n) => (n.allocatable[resource] ?? 0) < need);
    if (short)
      return unfit(`needs ${need} ${resource}, which node ${short.name} does not have allocatable (is its device plugin running?)`);
  }
  for (const [key, value] of Object.entries(binding.nodeSelector ?? {})) {
    const off = nodes.find((n) => n.labels[key] !== value);
    if (off) return unfit(`needs node label ${key}=${value}, which node ${off.name} lacks`);
  }
  return claimOn(runtime, binding, accelerator, input);
}

/**
 * What running on the binding takes of the nodes after older models' claims: on a sharing
 * binding, a slot on devices older models hold when every node has one, else the binding's
 * resources (holding a device, whose slots later models may take); the model's memory either way.
 */
function claimOn(runtime: EdgeRuntime, binding: AcceleratorBinding, accelerator: Accelerator, input: SelectionInput): RuntimeVerdict {
  const { nodes, capacity, memory } = input;
  const memoryClaim: Record<string, number> = memory > 0 ? { [MEMORY]: memory } : {};
  const sharing = binding.sharing;
  const shared = isShared(runtime);
  const group = sharing ? sharingGroup(name(runtime), accelerator, shared ? input.namespace : undefined) : undefined;
  const sharedWith = group
    ? coMembers(
        capacity,
        nodes.map((n) => n.name),
        group,
      )
    : [];
  if (group && sharing && nodes.every((n) => capacity.freeSlots(n.name, group, sharing.maxModels) >= 1)) {
    const short = shortage(nodes, memoryClaim, capacity);
    if (short) return { kind: "full", problem: short };
    return { kind: "fits", binding, claim: { resources: memoryClaim, sharing: { group, role: "sharer" } }, sharedWith };
  }
  // A Shared runtime's server holds one device per node, so its models take no second one.
  const served = group && sharing && shared ? nodes.find((n) => capacity.holders(n.name, group) > 0) : undefined;
  if (served && sharing)
    return {
      kind: "full",
      problem: `serves from one process per node, whose device on node ${served.name} takes ${sharing.maxModels} models (sharing.maxModels), all placed by older models`,
    };
  const resources: Record<string, number> = { ...memoryClaim };
  for (const [resource, quantity] of Object.entries(binding.resources ?? {})) {
    resources[resource] = (resources[resource] ?? 0) + parseQuantity(quantity);
  }
  const short = shortage(nodes, resources, capacity);
  if (short) return { kind: "full", problem: short };
  return { kind: "fits", binding, claim: { resources, ...(group ? { sharing: { group, role: "holder" } } : {}) }, sharedWith };
}

/** Which resource the first node short of one lacks; a node that reports none of a resource is not accounted. */
function shortage(nodes: readonly NodeCapabilities[], resources: Record<string, number>, capacity: Capacity): string | undefined {
  for (const [resource, need] of Object.entries(resources)) {
    for (const n of nodes) {
      const have = n.allocatable[resource];
      if (have === undefined || need <= 0) continue;
      const taken = capacity.taken(n.name, resource);
      if (have - taken < need) {
        return `needs ${amount(resource, need)} ${resource} on node ${n.name}, where older models' placements take ${amount(resource, taken)} of ${amount(resource, have)}`;
      }
    }
  }
  return undefined;
}

function amount(resource: string, value: number): string {
  return resource === MEMORY ? `${Math.ceil(value / 2 ** 20)}Mi` : String(value);
}

function unusedAccelerators(variant: ModelVariant, preference: readonly Accelerator[]): string {
  const wanted = variant.requirements.accelerators.filter((a) => preference.includes(a));
  if (!wanted.length)
    return `${variant.name} runs on ${variant.requirements.accelerators.join(" or ")}, which placement.acceleratorPreference leaves out`;
  return `${variant.name} needs ${wanted.join(" or ")}, which the nodes lack`;
}
