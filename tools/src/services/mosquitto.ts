import { existsSync } from "node:fs";

/** Debian installs the broker in sbin, which is not on every user's PATH. */
const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export function mosquittoBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new Error("mosquitto not found: run `tools/edgefleet setup` (installs the Debian package)");
  return found;
}

/**
 * A mosquitto.conf this process can run. Started as root, mosquitto drops to the `mosquitto`
 * user, which cannot read a root-owned state or temp directory; as anyone else it stays who it is.
 */
export function runnableConfig(config: string): string {
  return (process.getuid?.() === 0 ? "user root\n" : "") + config;
}
