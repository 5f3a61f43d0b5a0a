#!/usr/bin/env -S node --import tsx
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { applyFleet } from "../fleet/apply.js";
import { type CountOverrides, loadFleetProfile, withCounts } from "../fleet/profile.js";
import { clusterExists, createCluster, deleteCluster, kwokctl, startCluster } from "./kwokctl.js";
import { DEFAULT_CLUSTER, kubeconfigPath } from "./paths.js";
import { apiserverReady, fleetSummary, kubeConfigFor, waitForNodesReady } from "./state.js";
import { loadToolchain } from "./toolchain.js";

const DEFAULT_PROFILE = fileURLToPath(new URL("../../fleet/default.yaml", import.meta.url));

const HELP = `Usage: tools/edgefleet cluster <command> [options]

The local platform: a real Kubernetes control plane (etcd, kube-apiserver, kube-scheduler,
kube-controller-manager) run by kwokctl from locally built binaries, with a simulated edge
fleet of kwok Nodes described by a fleet profile.

Commands:
  start    create (or restart) the cluster and apply the fleet profile
  fleet    re-apply the fleet profile to a running cluster (scale up or down)
  status   print whether the cluster runs, its kubeconfig and nodes per class
  nodes    list the fleet's nodes with class, site, architecture and readiness
  stop     stop the cluster's processes, keeping its data (start resumes it)
  delete   stop the cluster and delete its data

Options:
  --name NAME        cluster name (default: ${DEFAULT_CLUSTER})
  --profile FILE     fleet profile (default: tools/fleet/default.yaml)
  --nodes N          total node count, spread over the classes in the profile's proportions
  --count CLASS=N    node count of one class (repeatable; wins over --nodes)
  --port PORT        fixed kube-apiserver port (default: random free port)
  -h, --help         this help

The kubeconfig is written to $EDGEFLEET_STATE_DIR/kwok/clusters/NAME/kubeconfig.yaml
(default state dir: ~/.local/state/edgefleet); \`status\` prints it.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string", default: DEFAULT_CLUSTER },
      profile: { type: "string", default: DEFAULT_PROFILE },
      nodes: { type: "string" },
      count: { type: "string", multiple: true },
      port: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(HELP);
    return command || values.help ? 0 : 2;
  }
  const cluster = values.name;
  const toolchain = loadToolchain();
  const kw = { toolchain, cluster, log: (line: string) => console.error(`  kwokctl: ${line}`) };
  const kubeconfig = kubeconfigPath(cluster);

  const profile = async () => withCounts(await loadFleetProfile(values.profile), parseCounts(values.nodes, values.count));
  const reconcileFleet = async () => {
    const p = await profile();
    const started = Date.now();
    const kc = kubeConfigFor(kubeconfig);
    let lastShown = 0;
    const { applied, deleted } = await applyFleet({
      kubeConfig: kc,
      profile: p,
      onProgress: (done, total) => {
        if (done === total || done - lastShown >= Math.max(1, Math.floor(total / 10))) {
          lastShown = done;
          console.error(`fleet: ${done}/${total} nodes applied`);
        }
      },
    });
    await waitForNodesReady(kc, p.name, applied, (ready) => console.error(`fleet: ${ready}/${applied} nodes Ready`));
    console.error(`fleet: ${applied} nodes in ${p.classes.length} classes applied, ${deleted} removed, in ${seconds(started)}`);
  };

  switch (command) {
    case "start": {
      const started = Date.now();
      if (!(await clusterExists(kw))) {
        console.error(`cluster: creating ${cluster} (binary runtime)...`);
        await createCluster(kw, values.port ? { apiserverPort: Number(values.port) } : {});
      } else if (!(await apiserverReady(kubeconfig))) {
        console.error(`cluster: starting stopped cluster ${cluster}...`);
        await startCluster(kw);
      }
      console.error(`cluster: ${cluster} control plane ready in ${seconds(started)}`);
      await reconcileFleet();
      console.log(await fleetSummary(cluster, kubeconfig));
      console.error(`cluster: ready in ${seconds(started)}; use it with: export KUBECONFIG=${kubeconfig}`);
      return 0;
    }
    case "fleet":
      await reconcileFleet();
      return 0;
    case "status":
      if (!(await clusterExists(kw))) {
        console.log(`cluster ${cluster}: not created (run: tools/edgefleet cluster start)`);
        return 3;
      }
      if (!(await apiserverReady(kubeconfig))) {
        console.log(`cluster ${cluster}: stopped\nkubeconfig: ${kubeconfig}`);
        return 3;
      }
      console.log(await fleetSummary(cluster, kubeconfig));
      return 0;
    case "nodes":
      console.log(await fleetSummary(cluster, kubeconfig, { perNode: true }));
      return 0;
    case "stop":
      await kwokctl(kw, ["stop", "cluster", "--name", cluster]);
      console.error(`cluster: ${cluster} stopped (data kept; \`start\` resumes it)`);
      return 0;
    case "delete":
      await deleteCluster(kw);
      console.error(`cluster: ${cluster} deleted`);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

/** Parses --nodes and --count CLASS=N into count overrides, naming the bad flag on error. */
export function parseCounts(nodes: string | undefined, counts: readonly string[] | undefined): CountOverrides {
  const perClass: Record<string, number> = {};
  for (const c of counts ?? []) {
    const m = /^([a-z0-9-]+)=(\d+)$/.exec(c);
    if (!m?.[1] || !m[2]) throw new Error(`--count ${c}: expected CLASS=N, for example --count jetson-orin=10`);
    perClass[m[1]] = Number(m[2]);
  }
  if (nodes !== undefined && !/^\d+$/.test(nodes)) throw new Error(`--nodes ${nodes}: expected a whole number`);
  return { ...(nodes === undefined ? {} : { total: Number(nodes) }), perClass };
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`error: ${err.message}`);
      process.exit(1);
    },
  );
}
