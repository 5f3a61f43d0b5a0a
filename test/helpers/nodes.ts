import { classNode } from "@edgefleet/operator";
import { KWOK_NODE_ANNOTATION } from "@edgefleet/tools";
import type { KubeConfig, V1Node } from "@kubernetes/client-node";
import { rawRequest } from "../operator/raw-api.js";

/**
 * Adds a kwok node of a suite's own fleet profile: a device of a reference class (an x86 CPU one
 * unless `device` says which) labelled with the given hardware class (and any extra labels), so
 * the default fleet stays as other suites expect it.
 * Capacity goes through the status subresource, as kubelet does. Returns the node's name.
 */
export async function addProfileNode(
  kc: KubeConfig,
  opts: {
    profile: string;
    hardwareClass: string;
    index: number;
    labels?: Record<string, string>;
    /** Beside kwok's: e.g. the fleet simulator's sim.edgefleet.io/load, set before the node is simulated. */
    annotations?: Record<string, string>;
    device?: Parameters<typeof classNode>[0];
  },
): Promise<string> {
  const base = classNode(opts.device ?? "x86-cpu", opts.index);
  const name = `${opts.profile}-${opts.hardwareClass}-${opts.index}`;
  const node: V1Node = {
    metadata: {
      name,
      // kwok manages only the Nodes annotated as fake (real kubelets may join the cluster too).
      annotations: { ...opts.annotations, [KWOK_NODE_ANNOTATION]: "fake" },
      labels: {
        ...base.metadata?.labels,
        "kubernetes.io/hostname": name,
        "edgefleet.io/fleet-profile": opts.profile,
        "edgefleet.io/hardware-class": opts.hardwareClass,
        ...opts.labels,
      },
    },
  };
  for (const [method, path, body] of [
    ["POST", "/api/v1/nodes", node],
    ["PATCH", `/api/v1/nodes/${name}/status`, { status: base.status }],
  ] as const) {
    const res = await rawRequest(kc, {
      method,
      path,
      body,
      ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.message}`);
  }
  return name;
}
