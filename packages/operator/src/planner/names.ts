import { createHash } from "node:crypto";

const MAX = 63;
const HASH_LENGTH = 8;

/**
 * A DNS-label name (at most 63 lowercase alphanumerics and dashes) for a child object. When the
 * joined parts are not one already, the name is cut short and ends in a hash of the parts, so two
 * different inputs never share a name and the same input always gets the same one.
 */
export function childName(...parts: string[]): string {
  const joined = parts.join("-");
  const clean = joined
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "");
  if (clean === joined && clean.length <= MAX) return clean;
  const hash = createHash("sha256").update(joined).digest("hex").slice(0, HASH_LENGTH);
  return `${clean.slice(0, MAX - HASH_LENGTH - 1).replace(/-+$/, "")}-${hash}`;
}
