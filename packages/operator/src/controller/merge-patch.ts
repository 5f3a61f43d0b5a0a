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
