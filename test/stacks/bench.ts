// Benchmark of the Pulumi program on the local platform, against a baseline measured in the same
// run: `pulumi up` of the smallest real program (test/fixtures/pulumi-configmap: one ConfigMap),
// which is the engine, language host and provider start-up every `up` pays.
// Usage: npx tsx test/stacks/bench.ts [--runs 3] [--nodes 20]   (needs the toolchain: tools/edgefleet setup)
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runPulumi } from "@edgefleet/tools";
import { LocalStack, ROOT, startCluster } from "./local-stack.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, nodes: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-bench-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const cluster = startCluster("bench-stacks", stateDir, Number(values.nodes));
try {
  const fixture = join(ROOT, "test/fixtures/pulumi-configmap");
  const tiny = (...args: string[]) => {
    const t = performance.now();
    const r = runPulumi(args, { cwd: fixture, stateDir, env: { KUBECONFIG: cluster.kubeconfig } });
    if (r.status !== 0) throw new Error(`fixture: pulumi ${args.join(" ")} failed:\n${r.output}`);
    return (performance.now() - t) / 1000;
  };
  tiny("stack", "init", "bench-tiny");
  const stack = new LocalStack("bench-local", { stateDir, kubeconfig: cluster.kubeconfig, namespace: "edgefleet-system" });
  stack.init();

  const times = { tinyUp: [] as number[], up: [] as number[], noChange: [] as number[], destroy: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.tinyUp.push(tiny("up", "--yes", "--skip-preview", "--stack", "bench-tiny"));
    tiny("destroy", "--yes", "--skip-preview", "--stack", "bench-tiny");
    times.up.push(stack.timed("up", "--yes", "--skip-preview").seconds);
    times.noChange.push(stack.timed("up", "--yes", "--skip-preview", "--expect-no-changes").seconds);
    times.destroy.push(stack.timed("destroy", "--yes", "--skip-preview").seconds);
  }
  stack.remove();
  tiny("stack", "rm", "bench-tiny", "--yes", "--force");
  const base = median(times.tinyUp);
  const row = (name: string, xs: number[]) =>
    `| ${name} | ${median(xs).toFixed(1)} s | ${xs.map((x) => x.toFixed(1)).join(", ")} | ${(median(xs) / base).toFixed(1)}× |`;
  console.log(`\n${values.nodes}-node fleet, ${runs} runs, ${cpus().length} cores; median, all runs, ratio to the baseline\n`);
  console.log("| what | median | runs | vs. baseline |\n| --- | --- | --- | --- |");
  console.log(row("baseline: `pulumi up` of one ConfigMap (test/fixtures/pulumi-configmap)", times.tinyUp));
  console.log(row("`pulumi up` of the `local` stack, from nothing", times.up));
  console.log(row("`pulumi up` of the `local` stack, no changes", times.noChange));
  console.log(row("`pulumi destroy` of the `local` stack", times.destroy));
} finally {
  cluster.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
