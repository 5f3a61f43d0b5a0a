// Benchmarks of the local platform, each against a baseline measured in the same run:
//   1. cluster start with the default 20-node fleet vs. kwokctl creating the bare control plane;
//   2. a 1,000-node fleet: our concurrent server-side apply vs. `kubectl apply -f` of the same
//      Nodes, both until every Node is Ready.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  applyFleet,
  createCluster,
  deleteCluster,
  fleetNodes,
  kubeConfigFor,
  kubeconfigPath,
  loadFleetProfile,
  loadToolchain,
  waitForNodesReady,
  withCounts,
} from "@edgefleet/tools";
import { stringify } from "yaml";
import { benchFlags } from "./flags.js";

const { nodes: bigFleet } = await benchFlags({
  about: `Benchmarks the local platform: cluster start with the default 20-node fleet against kwokctl's bare
control plane, and a large fleet applied by the platform against \`kubectl apply -f\` of the same Nodes.
Needs the toolchain (tools/edgefleet setup).`,
  flags: { nodes: { type: "integer", default: "1000", help: "the large fleet's Nodes" } },
});
const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-bench-"));
const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
const toolchain = loadToolchain();
const profile = await loadFleetProfile(new URL("../tools/fleet/default.yaml", import.meta.url).pathname);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

function cli(args: string[]): void {
  const r = spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", ...args], { env, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`cluster ${args.join(" ")} failed`);
}

const results: { name: string; baseline: string; baselineS: number; edgefleetS: number }[] = [];
try {
  // 1. Bare control plane (baseline) vs. `cluster start` with the 20-node default fleet.
  const bare = { toolchain, cluster: "bench-bare", env };
  const bareS = await timed(() => createCluster(bare));
  await deleteCluster(bare);
  const startS = await timed(async () => cli(["start", "--name", "bench-start"]));
  cli(["delete", "--name", "bench-start"]);
  results.push({
    name: "cluster start, 20-node fleet, warm cache",
    baseline: "kwokctl create (no fleet)",
    baselineS: bareS,
    edgefleetS: startS,
  });

  // 2. 1,000 Nodes until Ready: kubectl apply of a manifest (baseline) vs. applyFleet.
  const big = withCounts(profile, { total: bigFleet });
  const manifest = join(stateDir, "fleet.yaml");
  writeFileSync(
    manifest,
    fleetNodes(big)
      .map((n) => stringify(n))
      .join("---\n"),
  );
  const kw = { toolchain, cluster: "bench-fleet", env };
  await createCluster(kw);
  const kc = kubeConfigFor(kubeconfigPath(kw.cluster, env));
  const kubectlS = await timed(async () => {
    const r = spawnSync("kubectl", ["--kubeconfig", kubeconfigPath(kw.cluster, env), "apply", "-f", manifest], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (r.status !== 0) throw new Error("kubectl apply failed");
    await waitForNodesReady(kc, big.name, bigFleet, () => {}, 900_000);
  });
  spawnSync(
    "kubectl",
    ["--kubeconfig", kubeconfigPath(kw.cluster, env), "delete", "nodes", "-l", `edgefleet.io/fleet-profile=${big.name}`, "--wait"],
    { stdio: "ignore" },
  );
  const applyS = await timed(async () => {
    await applyFleet({ kubeConfig: kc, profile: big });
    await waitForNodesReady(kc, big.name, bigFleet, () => {}, 900_000);
  });
  await deleteCluster(kw);
  results.push({
    name: `${bigFleet}-node fleet until all Ready`,
    baseline: "kubectl apply -f (same Nodes)",
    baselineS: kubectlS,
    edgefleetS: applyS,
  });
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log("| benchmark | baseline | baseline (s) | edgefleet (s) | edgefleet / baseline |");
console.log("|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.baseline} | ${r.baselineS.toFixed(2)} | ${r.edgefleetS.toFixed(2)} | ${(r.edgefleetS / r.baselineS).toFixed(2)} |`,
  );
}
