/** Dotted numeric versions ("10.3.0", "8.7"), compared component by component as integers. */

function parseVersion(version: string): number[] {
  const parts = version.split(".").map(Number);
  if (version === "" || parts.some((p) => !Number.isInteger(p) || p < 0))
    throw new Error(`"${version}" is not a dotted numeric version like 1.20.1`);
  return parts;
}

/** Negative, zero or positive as a is older than, equal to or newer than b; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether version lies in [min, max]; a max of "10.3" admits every 10.3.x. */
export function inVersionRange(version: string, range: { min?: string; max?: string }): boolean {
  if (range.min !== undefined && compareVersions(version, range.min) < 0) return false;
  if (range.max === undefined) return true;
  const significant = parseVersion(range.max).length;
  return compareVersions(parseVersion(version).slice(0, significant).join("."), range.max) <= 0;
}
