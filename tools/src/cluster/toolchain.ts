import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./paths.js";

/** Absolute paths of the toolchain binaries, as resolved by tools/toolchain/install.sh. */
export interface Toolchain {
  readonly binDir: string;
  bin(name: string): string;
}

export class ToolchainMissingError extends Error {
  override name = "ToolchainMissingError";
}

/** Reads the manifest the installer wrote; throws with the fix when it or a binary is missing. */
export function loadToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const manifest = join(cacheDir(env), "toolchain.env");
  let text: string;
  try {
    text = readFileSync(manifest, "utf8");
  } catch {
    throw new ToolchainMissingError(
      `no toolchain manifest at ${manifest}: run tools/toolchain/install.sh (or tools/edgefleet setup) first`,
    );
  }
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  const binDir = vars.get("EDGEFLEET_TOOLCHAIN_BIN") ?? join(cacheDir(env), "bin");
  return {
    binDir,
    bin(name) {
      const path = vars.get(`EDGEFLEET_${name.toUpperCase().replaceAll("-", "_")}`);
      if (!path) throw new ToolchainMissingError(`${name} is not in ${manifest}: run tools/toolchain/install.sh`);
      return path;
    },
  };
}
