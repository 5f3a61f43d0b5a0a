import { existsSync } from "node:fs";

/** Debian installs the broker in sbin, which is not on every user's PATH. */
const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export function mosquittoBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new Error("mosquitto not found: run `tools/edgefleet setup` (installs the Debian package)");
  return found;
}
