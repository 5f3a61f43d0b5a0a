import { forEachLimited } from "@edgefleet/kit";
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { KWOK_NODE_ANNOTATION } from "../fleet/nodes.js";

const NODE_LEASES = "kube-node-lease";

/**
 * The Leases of kwok's fake nodes that a resumed kwok controller cannot take at once.
 *
 * kwok's controller holds one Lease per fake node under an identity that is new at every start
 * (hostname plus a random UUID) and renews it every quarter of its duration (kwokctl: 200 s,
 * renewed every 50 s). A restarted controller does not manage a node whose Lease its predecessor
 * renewed less than a lease duration ago, and retries only every 50 s: for up to about four
 * minutes after `cluster start` resumed a cluster, kwok ignored those nodes, so their pods'
 * deletions never completed (stuck Terminating) and new pods stayed Pending. Pure: `renewedBefore`
 * keeps Leases the running controller renewed since it started.
 */
export function staleKwokLeases(leases: readonly V1Lease[], fakeNodes: ReadonlySet<string>, renewedBefore?: Date): V1Lease[] {
  return leases.filter((l) => {
    const name = l.metadata?.name;
    if (!name || !fakeNodes.has(name)) return false;
    if (!renewedBefore) return true;
    const renewed = l.spec?.renewTime;
    return renewed === undefined || new Date(renewed).getTime() < renewedBefore.getTime();
  });
}

/**
 * Deletes the fake nodes' Leases (all of them, or those not renewed since `renewedBefore`): the
 * kwok controller then creates and holds them at its first try after a start. A Lease renewed in
 * the meantime is kept (delete precondition on its resourceVersion). Resolves to the count deleted.
 */
export async function releaseKwokLeases(kc: KubeConfig, renewedBefore?: Date): Promise<number> {
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  const fake = new Set(
    nodes.items.filter((n) => n.metadata?.annotations?.[KWOK_NODE_ANNOTATION] === "fake").map((n) => n.metadata?.name ?? ""),
  );
  const api = kc.makeApiClient(CoordinationV1Api);
  const stale = staleKwokLeases((await api.listNamespacedLease({ namespace: NODE_LEASES })).items, fake, renewedBefore);
  let deleted = 0;
  await forEachLimited(stale, 32, async (lease) => {
    const name = lease.metadata?.name ?? "";
    try {
      await api.deleteNamespacedLease({
        name,
        namespace: NODE_LEASES,
        body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion ?? "" } },
      });
      deleted++;
    } catch (err) {
      // Gone or renewed since the list: nothing to release.
      const code = (err as { code?: number }).code;
      if (code !== 404 && code !== 409) throw err;
    }
  });
  return deleted;
}
