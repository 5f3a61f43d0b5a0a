import { readdirSync, readFileSync } from "node:fs";
import { MODEL_SERVER_ENV } from "@edgefleet/api";

/** A model loader process the fleet simulator runs: the model version it loads, and the shared server it loads it into. */
export interface RunningLoader {
  readonly model: string;
  readonly version: string;
  /** The node's shared server: one base URL per server process. */
  readonly server: string;
}

/**
 * The model loaders of a namespace running on this machine (a simulated fleet's), read from the
 * processes' environment as the pods' would be: which server process each model version is in.
 */
export function runningLoaders(namespace: string): RunningLoader[] {
  const found: RunningLoader[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue; // gone, or another user's
    }
    const env = new Map(environ.split("\0").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
    const [ns, model] = (env.get("EDGEFLEET_MODEL") ?? "").split("/");
    const server = env.get(MODEL_SERVER_ENV);
    if (ns === namespace && model && server) found.push({ model, version: env.get("EDGEFLEET_MODEL_VERSION") ?? "", server });
  }
  return found;
}

/** When a server process started (its own process metric): the same value is the same process. */
export async function serverStartTime(server: string): Promise<string> {
  const text = await (await fetch(`${server}/metrics`)).text();
  return /^process_start_time_seconds (\S+)$/m.exec(text)?.[1] ?? "";
}
