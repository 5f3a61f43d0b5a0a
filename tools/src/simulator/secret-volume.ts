import { isNotFound, type KubeClient } from "@edgefleet/kube";
import type { V1SecretVolumeSource } from "@kubernetes/client-node";

/**
 * The files a Secret volume holds, as a kubelet would mount them: each item's key at its path (all
 * keys without items). Throws naming the Secret and key that are missing, unless the volume is
 * optional: then a missing Secret mounts empty and a missing key is left out, as the kubelet does.
 */
export async function secretVolumeFiles(client: KubeClient, namespace: string, volume: V1SecretVolumeSource): Promise<Map<string, Buffer>> {
  const name = volume.secretName ?? "";
  const optional = volume.optional === true;
  const secret = await client
    .request<{ data?: Record<string, string> }>({ method: "GET", path: `/api/v1/namespaces/${namespace}/secrets/${name}` })
    .catch((err: unknown): { data?: Record<string, string> } => {
      if (optional && isNotFound(err)) return {};
      throw err;
    });
  const items = volume.items ?? Object.keys(secret.data ?? {}).map((key) => ({ key, path: key }));
  const files = new Map<string, Buffer>();
  for (const item of items) {
    const value = secret.data?.[item.key];
    if (value === undefined && optional) continue;
    if (value === undefined) throw new Error(`secret ${name} has no key ${item.key}`);
    files.set(item.path, Buffer.from(value, "base64"));
  }
  return files;
}
