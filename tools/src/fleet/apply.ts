import { forEachLimited } from "@edgefleet/kit";
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { fleetNodes, LABELS } from "./nodes.js";
import type { FleetProfile } from "./profile.js";

export const FIELD_MANAGER = "edgefleet-fleet";

export interface ApplyFleetOptions {
  readonly kubeConfig: KubeConfig;
  readonly profile: FleetProfile;
  /** Requests in flight at once: bounds our own load on the API server. */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ApplyFleetResult {
  readonly applied: number;
  readonly deleted: number;
}

const SSA = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);

/**
 * Makes the cluster's Nodes match the profile: server-side applies every desired Node (metadata
 * and spec, then capacity through the status subresource, which the main resource ignores on
 * update) and deletes the profile's Nodes that are no longer wanted, found by label.
 */
export async function applyFleet(opts: ApplyFleetOptions): Promise<ApplyFleetResult> {
  const api = opts.kubeConfig.makeApiClient(CoreV1Api);
  const desired = fleetNodes(opts.profile);
  const wanted = new Set(desired.map((n) => n.metadata.name));
  const existing = await api.listNode({ labelSelector: `${LABELS.profile}=${opts.profile.name}` });
  const stale = existing.items.map((n) => n.metadata?.name ?? "").filter((name) => name && !wanted.has(name));
  const total = desired.length + stale.length;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);

  await forEachLimited(desired, opts.concurrency ?? 32, async (node) => {
    const { status: _, ...object } = node;
    await api.patchNode({ name: node.metadata.name, body: object, fieldManager: FIELD_MANAGER, force: true }, SSA);
    await applyStatus(api, node);
    tick();
  });
  await forEachLimited(stale, opts.concurrency ?? 32, async (name) => {
    await api.deleteNode({ name });
    tick();
  });
  return { applied: desired.length, deleted: stale.length };
}

function applyStatus(api: CoreV1Api, node: ReturnType<typeof fleetNodes>[number]) {
  return api.patchNodeStatus(
    {
      name: node.metadata.name,
      body: { apiVersion: "v1", kind: "Node", metadata: { name: node.metadata.name }, status: node.status },
      fieldManager: FIELD_MANAGER,
      force: true,
    },
    SSA,
  );
}

/**
 * Applies the status again of the profile's Nodes whose nodeInfo kwok overwrote; resolves to how
 * many. kwok's node-initialize stage keeps a node's nodeInfo but writes its defaults (amd64) when
 * its cache has the Node from before our status arrived: call it once the nodes are Ready, after
 * which kwok's heartbeats leave nodeInfo alone.
 */
export async function restoreNodeInfo(opts: Pick<ApplyFleetOptions, "kubeConfig" | "profile">): Promise<number> {
  const api = opts.kubeConfig.makeApiClient(CoreV1Api);
  const actual = new Map(
    (await api.listNode({ labelSelector: `${LABELS.profile}=${opts.profile.name}` })).items.map((n) => [n.metadata?.name, n]),
  );
  const overwritten = fleetNodes(opts.profile).filter((want) => {
    const info = actual.get(want.metadata.name)?.status?.nodeInfo;
    return info !== undefined && (info.architecture !== want.status.nodeInfo.architecture || info.osImage !== want.status.nodeInfo.osImage);
  });
  await forEachLimited(overwritten, 32, (node) => applyStatus(api, node).then(() => undefined));
  return overwritten.length;
}
