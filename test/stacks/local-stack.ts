import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { kubeconfigPath } from "@edgefleet/tools";

export { LocalStack } from "@edgefleet/tools";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A cluster of its own for the stacks tests and benchmark: the Platform's CRDs, ClusterRoles and
 * catalog are cluster-scoped, and `pulumi destroy` deletes them, which would pull the API out
 * from under test files that share the suite's cluster.
 */
export function startCluster(
  name: string,
  stateDir: string,
  nodes: number,
  extraArgs: readonly string[] = [],
): { kubeconfig: string; stop: () => void } {
  const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
  const cli = (...args: string[]) => {
    const r = spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", ...args, "--name", name], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`cluster ${args.join(" ")} --name ${name} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  };
  cli("start", "--nodes", String(nodes), ...extraArgs);
  return { kubeconfig: kubeconfigPath(name, env), stop: () => cli("delete") };
}
