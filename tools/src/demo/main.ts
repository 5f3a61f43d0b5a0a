// The README's main command: the local platform, the platform deployed by `pulumi up`, the
// operator, and sample EdgeModels placed on the simulated fleet, each step shown as it runs.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { DEFAULT_CLUSTER, kubeconfigPath, stateDir } from "../cluster/paths.js";
import { kubeConfigFor } from "../cluster/state.js";
import { type ModelSummary, placementTable, summarize } from "./summary.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const EXAMPLES = join(ROOT, "operator/examples/detector.yaml");
const STEPS = 5;

const HELP = `Usage: tools/edgefleet demo [--once] [--port PORT]

Starts the local platform and shows edgefleet placing models on a heterogeneous edge fleet:
  1. the local cluster: a real control plane and 20 simulated edge nodes in 4 hardware classes
  2. the platform, deployed by \`pulumi up\` of the \`local\` stack (CRDs, runtime catalog, ...)
  3. the operator, run from source against the cluster
  4. the sample EdgeModels in operator/examples/detector.yaml
  5. where each model runs: per hardware class, the variant and runtime chosen, or why none fits
Then it keeps the operator running until Ctrl-C; the cluster keeps running after that
(tools/edgefleet cluster stop|delete).

Options:
  --once       stop the operator and exit after step 5
  --port PORT  the operator's /metrics, /healthz and /readyz port (default: 8080)
  -h, --help   this help`;

const step = (n: number, what: string) => console.error(`\n[${n}/${STEPS}] ${what}`);

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

/** Runs the offline Pulumi CLI with its output in a log; prints the resource summary, or the log's tail on failure. */
function pulumi(args: readonly string[], logFile: string): void {
  const r = spawnSync("bash", ["-c", `. tools/pulumi-env.sh && exec pulumi "$@"`, "pulumi", ...args, "--non-interactive"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const output = `${r.stdout}${r.stderr}`;
  appendFileSync(logFile, output);
  if (r.status !== 0) {
    console.error(output.split("\n").slice(-30).join("\n"));
    throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status}); full output in ${logFile}`);
  }
  const summary = output.split("\n").filter((l) => /^\s+[-+~]?\s*\d+ (created|updated|deleted|replaced|unchanged)|^Duration:/.test(l));
  if (summary.length) console.error(`pulumi: ${summary.map((l) => l.trim()).join(", ")} (log: ${logFile})`);
}

async function waitForModels(kubeconfig: string, namespace: string, count: number, timeoutMs = 120_000): Promise<ModelSummary[]> {
  const api = kubeConfigFor(kubeconfig).makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await api.listNamespacedCustomObject({
      group: "edgefleet.io",
      version: "v1alpha1",
      namespace,
      plural: "edgemodels",
    })) as {
      items: unknown[];
    };
    const models = list.items.map(summarize);
    if (models.length >= count && models.every((m) => m.converged && m.settled && !m.progressing)) return models;
    if (Date.now() > deadline)
      throw new Error(`EdgeModels in ${namespace} did not finish rolling out within ${timeoutMs / 1000}s; see the operator's log`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { once: { type: "boolean" }, port: { type: "string", default: "8080" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const kubeconfig = kubeconfigPath(DEFAULT_CLUSTER);

  step(1, "local cluster and simulated edge fleet");
  run("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "start"]);

  const logs = join(stateDir(), "logs");
  mkdirSync(logs, { recursive: true });

  step(2, "platform: pulumi up of the `local` stack (CRDs, runtime catalog, operator, broker, ...)");
  const pulumiLog = join(logs, "pulumi-up.log");
  pulumi(["stack", "select", "--create", "local"], pulumiLog);
  pulumi(["up", "--yes", "--skip-preview", "--stack", "local"], pulumiLog);

  step(3, "operator");
  const operatorLog = join(logs, "operator.log");
  const operator: ChildProcess = spawn(
    "node",
    ["--import", "tsx", "operator/src/main.ts", "--kubeconfig", kubeconfig, "--http-address", `127.0.0.1:${values.port}`],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = createWriteStream(operatorLog, { flags: "a" });
  operator.stdout?.pipe(log);
  operator.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => operator.on("exit", resolve));
  console.error(`operator: pid ${operator.pid}, JSON logs in ${operatorLog}`);

  try {
    step(4, "sample EdgeModels (operator/examples/detector.yaml)");
    run("bash", [
      "-c",
      `kubectl --kubeconfig "$0" create namespace vision --dry-run=client -o yaml | kubectl --kubeconfig "$0" apply -f -`,
      kubeconfig,
    ]);
    run("kubectl", ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", EXAMPLES]);

    step(5, "where each model runs");
    const models = await Promise.race([
      waitForModels(kubeconfig, "vision", 2),
      exited.then((code) => {
        throw new Error(`the operator exited (${code}); see ${operatorLog}`);
      }),
    ]);
    console.log(placementTable(models));
    console.error(`
Where to look:
  export KUBECONFIG=${kubeconfig}
  kubectl get edgemodels -A                     # READY / DEGRADED per model
  kubectl describe edgemodel -n vision detector # conditions, placements, events
  kubectl get daemonsets -n vision -o wide      # one runtime workload per (model, hardware class)
  curl -s 127.0.0.1:${values.port}/metrics | grep controller_runtime_reconcile_total
  tools/edgefleet cluster nodes                 # the fleet`);
    if (!values.once) {
      console.error("\nThe operator keeps running; Ctrl-C stops it (the cluster keeps running).");
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
  } finally {
    operator.kill("SIGTERM");
    await exited;
    console.error(`operator stopped. Stop the cluster with: tools/edgefleet cluster stop (or delete)`);
  }
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
