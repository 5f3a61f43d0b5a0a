#!/usr/bin/env -S node --import tsx
import { fileURLToPath } from "node:url";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { applyFleet, restoreNodeInfo } from "../fleet/apply.js";
import { type CountOverrides, loadFleetProfile, withCounts } from "../fleet/profile.js";
import { table } from "../table.js";
import { releaseKwokLeases } from "./kwok-leases.js";
import { clusterExists, createCluster, deleteCluster, kwokctl, startCluster } from "./kwokctl.js";
import { DEFAULT_CLUSTER, kubeconfigPath } from "./paths.js";
import { deleteRealNodes, existingRealNodes, MAX_REAL_NODES, realNodeStatus, startRealNodes, stopRealNodes } from "./real-nodes.js";
import { apiserverReady, fleetSummary, kubeConfigFor, waitForApiserver, waitForNodesReady } from "./state.js";
import { loadToolchain } from "./toolchain.js";

const DEFAULT_PROFILE = fileURLToPath(new URL("../../fleet/default.yaml", import.meta.url));

const CLI = command({
  usage: "tools/edgefleet cluster <command> [options]",
  about: `The local platform: a real Kubernetes control plane (etcd, kube-apiserver, kube-scheduler,
kube-controller-manager) run by kwokctl from locally built binaries, with a simulated edge
fleet of kwok Nodes described by a fleet profile, and optionally a real worker node (containerd,
kubelet, kube-proxy, CoreDNS, kube-router for NetworkPolicies) that runs pods as containers.

Commands:
  start    create (or restart) the cluster and apply the fleet profile
  fleet    re-apply the fleet profile to a running cluster (scale up or down)
  status   print whether the cluster runs, its kubeconfig and nodes per class
  nodes    list the fleet's nodes with class, site, architecture and readiness
  stop     stop the cluster's processes, keeping its data (start resumes it)
  delete   stop the cluster and delete its data`,
  positionals: true,
  flags: {
    name: { type: "string", arg: "NAME", default: DEFAULT_CLUSTER, help: "cluster name" },
    profile: { type: "string", arg: "FILE", default: DEFAULT_PROFILE, defaultText: "tools/fleet/default.yaml", help: "fleet profile" },
    nodes: { type: "integer", min: 0, help: "total node count, spread over the classes in the profile's proportions" },
    count: {
      type: "repeated",
      arg: "CLASS=N",
      check: { must: "be CLASS=N, for example --count jetson-orin=10", test: /^[a-z0-9-]+=\d+$/ },
      help: "node count of one class (repeatable; wins over --nodes)",
    },
    "real-nodes": {
      type: "integer",
      min: 0,
      max: MAX_REAL_NODES,
      arg: "N",
      defaultText: "the cluster's current count, 0 for a new one",
      help: "real worker nodes (containerd, kubelet, kube-proxy, CoreDNS, kube-router; needs root) next to the kwok fleet",
    },
    port: { type: "integer", max: 65_535, defaultText: "random free port", help: "fixed kube-apiserver port" },
  },
  footer: `The kubeconfig is written to $EDGEFLEET_STATE_DIR/kwok/clusters/NAME/kubeconfig.yaml
(default state dir: ~/.local/state/edgefleet); \`status\` prints it.`,
});

async function main(argv: string[]): Promise<number> {
  const values = await optionsOrExitCode(CLI.help, () => CLI.parse(argv, (v, positionals) => ({ ...v, subcommand: positionals[0] })));
  if (typeof values === "number") return values;
  const { subcommand } = values;
  if (!subcommand) {
    console.log(CLI.help);
    return 2;
  }
  const cluster = values.name;
  const toolchain = loadToolchain();
  const kw = { toolchain, cluster, log: (line: string) => console.error(`  kwokctl: ${line}`) };
  const kubeconfig = kubeconfigPath(cluster);

  const profile = async () => withCounts(await loadFleetProfile(values.profile), countOverrides(values.nodes, values.count));
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
    const restored = await restoreNodeInfo({ kubeConfig: kc, profile: p });
    if (restored) console.error(`fleet: nodeInfo applied again on ${restored} nodes kwok had initialized with its defaults`);
    console.error(`fleet: ${applied} nodes in ${p.classes.length} classes applied, ${deleted} removed, in ${seconds(started)}`);
  };

  switch (subcommand) {
    case "start": {
      const started = Date.now();
      if (!(await clusterExists(kw))) {
        console.error(`cluster: creating ${cluster} (binary runtime)...`);
        await createCluster(kw, values.port === undefined ? {} : { apiserverPort: values.port });
      } else if (!(await apiserverReady(kubeconfig))) {
        console.error(`cluster: starting stopped cluster ${cluster}...`);
        const resumed = new Date();
        await startCluster(kw);
        await waitForApiserver(kubeconfig);
        // Leases the stopped kwok controller renewed would keep its successor off their nodes for minutes.
        await releaseKwokLeases(kubeConfigFor(kubeconfig), resumed);
      }
      console.error(`cluster: ${cluster} control plane ready in ${seconds(started)}`);
      await reconcileFleet();
      const realNodes = values["real-nodes"] ?? existingRealNodes(kw).length;
      if (realNodes > 0 || existingRealNodes(kw).length > 0) {
        await startRealNodes(
          { ...kw, log: (line) => console.error(`cluster: ${line}`) },
          kubeConfigFor(kubeconfig),
          await profile(),
          realNodes,
        );
      }
      console.log(await fleetSummary(cluster, kubeconfig));
      console.log(await realNodesSummary(kw, kubeconfig));
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
      console.log(await realNodesSummary(kw, kubeconfig));
      return 0;
    case "nodes":
      console.log(await fleetSummary(cluster, kubeconfig, { perNode: true }));
      return 0;
    case "stop":
      await stopRealNodes(kw);
      // Right before kwok stops (it would recreate them at its next renewal): see kwok-leases.ts.
      if (await apiserverReady(kubeconfig)) await releaseKwokLeases(kubeConfigFor(kubeconfig));
      await kwokctl(kw, ["stop", "cluster", "--name", cluster]);
      console.error(`cluster: ${cluster} stopped (data kept; \`start\` resumes it)`);
      return 0;
    case "delete":
      await deleteRealNodes(
        { ...kw, log: (line) => console.error(`cluster: ${line}`) },
        (await apiserverReady(kubeconfig)) ? kubeConfigFor(kubeconfig) : undefined,
      );
      await deleteCluster(kw);
      console.error(`cluster: ${cluster} deleted`);
      return 0;
    default:
      console.error(`unknown command "${subcommand}"\n\n${CLI.help}`);
      return 2;
  }
}

/** --nodes and each --count CLASS=N as count overrides. */
function countOverrides(nodes: number | undefined, counts: readonly string[]): CountOverrides {
  const perClass = Object.fromEntries(counts.map((c) => c.split("=")).map(([name, n]) => [name, Number(n)]));
  return { ...(nodes === undefined ? {} : { total: nodes }), perClass };
}

/** The real nodes' readiness and processes, or nothing when the cluster has none. */
async function realNodesSummary(kw: Parameters<typeof realNodeStatus>[0], kubeconfig: string): Promise<string> {
  const nodes = await realNodeStatus(kw, kubeConfigFor(kubeconfig));
  if (nodes.length === 0) return "real nodes  0";
  const pid = (p: number | undefined) => (p ? String(p) : "stopped");
  return [
    `real nodes  ${nodes.length}`,
    table([
      ["  NAME", "STATUS", "CONTAINERD", "KUBELET", "KUBE-PROXY", "COREDNS", "KUBE-ROUTER", "POD SUBNET"],
      ...nodes.map((n) => [
        `  ${n.name}`,
        n.ready === undefined ? "unregistered" : n.ready ? "Ready" : "NotReady",
        pid(n.processes.containerd),
        pid(n.processes.kubelet),
        pid(n.processes["kube-proxy"]),
        pid(n.processes.coredns),
        pid(n.processes["kube-router"]),
        n.podSubnet,
      ]),
    ]),
  ].join("\n");
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
