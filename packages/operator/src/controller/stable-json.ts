/**
 * JSON with object keys sorted, so two objects that differ only in key order compare equal.
 *
 * A reconcile hashes its DaemonSets and compares its status this way. Only objects whose keys are
 * out of order are copied (most are in order already), and JSON.stringify runs without a replacer:
 * about half the time, and far less garbage, than re-creating every object in a replacer, which
 * at 10,000 models was a good part of what the operator's GC cleared. The bytes are the same as
 * that replacer's (spec hashes on existing children stay valid): keys in the order a re-created
 * object holds them, integer keys first and ascending, as JavaScript orders them, then the others.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  // As JSON.stringify does before looking inside (a Date becomes its string).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return sorted(toJSON.call(value));
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const s = sorted(item);
      if (s === item) return;
      copy ??= [...value];
      copy[i] = s;
    });
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (!inOrder(keys)) return Object.fromEntries(keys.sort().map((k) => [k, sorted(object[k])]));
  let copy: Record<string, unknown> | undefined;
  for (const k of keys) {
    const s = sorted(object[k]);
    if (s === object[k]) continue;
    copy ??= { ...object };
    copy[k] = s;
  }
  return copy ?? value;
}

/** Whether Object.keys' order is already sorted: integer keys come first, ascending, whatever the order they were added in. */
function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) {
    const before = keys[i - 1] as string;
    if (before > (keys[i] as string) && !isArrayIndex(before)) return false;
  }
  return true;
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}
