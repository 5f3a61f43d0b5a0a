import { CONTENT_TYPES, type KubeClient, type KubeObject, managedBy, objectPath, type Resource } from "@edgefleet/kube";

/**
 * A JSON merge patch (RFC 7386) that turns `before` into `after`: like `after`, plus a null for
 * every object key `after` no longer has, which a plain merge patch would otherwise leave in place.
 * Arrays and scalars are replaced whole, as merge patches do.
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (!isObject(before) || !isObject(after)) return after;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) patch[key] = mergePatch(before[key], value);
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  return patch;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A controller's status write: the status subresource of object merge-patched from its current
 * status to status, as fieldManager. Resolves the written object (its resourceVersion: OwnWrites.track).
 */
export function patchStatus<T extends KubeObject & { status?: unknown }>(
  client: KubeClient,
  resource: Resource,
  object: T,
  status: unknown,
  fieldManager: string,
): Promise<T | undefined> {
  const { name = "", namespace = "" } = object.metadata;
  return client.request<T>({
    method: "PATCH",
    path: managedBy(`${objectPath(resource, name, namespace)}/status`, fieldManager),
    body: { status: mergePatch(object.status ?? {}, status) },
    contentType: CONTENT_TYPES.merge,
  });
}
