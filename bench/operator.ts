// Benchmark of the edgefleet operator on a 500-node kwok fleet: N EdgeModels (1,000, then
// 10,000) until every one has status.observedGeneration == metadata.generation with Ready and
// Degraded set. Baseline, measured in the same run: the API server just accepting the same N
// EdgeModels (concurrent creates, no operator running). Also reported: the operator's peak RSS
// (VmHWM) and its request rate to the API server (from its own /metrics), and leader failover
// (SIGKILL the leader with N models in place; time until the warm standby holds the Lease), and
// what the standby then writes over the converged fleet (a restart where nothing changed: nothing).
// The operator runs with the heap flags it is deployed with, and the result records them: they move
// its memory figures.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import { edgeModel, OPERATOR_NODE_OPTIONS } from "@edgefleet/api";
import { silentLogger } from "@edgefleet/kit";
import { collectionPath, Informer, KubeClient, type KubeObject, loadCredentials, RESOURCES } from "@edgefleet/kube";
import { kubeconfigPath, kwokWorkdir } from "@edgefleet/tools";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks the edgefleet operator on a kwok fleet: each size of EdgeModels until all have converged,
against the API server just accepting them; its peak RSS and requests; leader failover after SIGKILL and
what the new leader then writes.`,
  flags: {
    nodes: { type: "integer", default: "500", help: "the kwok fleet's nodes" },
    models: {
      type: "string",
      arg: "LIST",
      default: "1000,10000",
      check: { must: "be a comma list of EdgeModel counts such as 1000,10000", test: /^[1-9]\d*(,[1-9]\d*)*$/ },
      help: "the sizes run, one after the other",
    },
    workers: { type: "integer", default: "64", help: "the operator's --workers" },
    qps: { type: "integer", default: "1500", help: "the operator's --kube-qps; its --kube-burst is twice that" },
    result: RESULT_FLAG,
    // The operator's own defaults; a loaded machine can starve a leader past a 2 s renew deadline.
    "lease-duration": {
      type: "integer",
      arg: "SECONDS",
      default: "15",
      section: "The operator's leader election (failover waits out the lease)",
      help: "the operator's --lease-duration",
    },
    "renew-deadline": { type: "integer", arg: "MS", default: "10000", help: "the operator's --renew-deadline" },
    "retry-period": { type: "integer", arg: "MS", default: "2000", help: "the operator's --retry-period" },
    "node-options": {
      type: "string",
      arg: "FLAGS",
      default: OPERATOR_NODE_OPTIONS,
      section: "The operator process",
      help: 'its NODE_OPTIONS; by default the heap flags it is deployed with (OPERATOR_NODE_OPTIONS); "" runs it with V8\'s defaults',
    },
  },
});
/** The operator's environment beyond the bench's own: what moves its memory figures, recorded with them. */
const SETTINGS = { NODE_OPTIONS: values["node-options"] };
const LEASE = ["--lease-duration", "--renew-deadline", "--retry-period"].flatMap((flag) => [
  flag,
  String(values[flag.slice(2) as "lease-duration" | "renew-deadline" | "retry-period"]),
]);
const loadBefore = loadavg()[0] ?? 0;
const figures: Figure[] = [];
const CLUSTER = "bench-op";
const CLASSES = ["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"];
const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-bench-op-"));
const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
const kubeconfig = kubeconfigPath(CLUSTER, env);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}
const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfig, ...args]);
const cli = (...args: string[]) => run("node", ["--import", "tsx", "tools/src/cluster/cli.ts", ...args, "--name", CLUSTER]);
const seconds = (since: number) => (performance.now() - since) / 1000;
const round = (x: number) => Math.round(x * 100) / 100;

/** N models, each targeting one hardware class in turn (one DaemonSet each). */
function models(namespace: string, n: number): EdgeModel[] {
  return Array.from({ length: n }, (_, i) => {
    const m = edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": CLASSES[i % CLASSES.length] ?? "" } } }, `m${i}`);
    return { ...m, metadata: { name: `m${i}`, namespace } };
  });
}

async function createAll(client: KubeClient, namespace: string, items: EdgeModel[], concurrency = 32): Promise<void> {
  let next = 0;
  const path = collectionPath(RESOURCES.edgeModels, namespace);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await client.request({ method: "POST", path, body: items[next++] });
    }),
  );
}

interface Converged extends KubeObject {
  done: boolean;
}

/** Resolves once every model in the namespace has converged, watched through the operator's own informer. */
function watchConverged(client: KubeClient, namespace: string, n: number): { done: Promise<void>; stop: () => Promise<void> } {
  let resolve = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  let count = 0;
  const check = (before: Converged | undefined, after: Converged | undefined) => {
    count += (after?.done ? 1 : 0) - (before?.done ? 1 : 0);
    if (count >= n) resolve();
  };
  const informer = new Informer<Converged>({
    client,
    resource: RESOURCES.edgeModels,
    namespace,
    log: silentLogger,
    metrics: { restarted() {}, event() {}, objects() {} },
    transform: (raw) => {
      const m = raw as EdgeModel;
      const set = (type: string) => m.status?.conditions?.some((c) => c.type === type && c.observedGeneration === m.metadata.generation);
      const done = m.status?.observedGeneration === m.metadata.generation && !!set("Ready") && !!set("Degraded");
      return { metadata: { name: m.metadata.name ?? "", namespace, resourceVersion: m.metadata.resourceVersion ?? "" }, done };
    },
    handlers: { added: (o) => check(undefined, o), updated: check, deleted: (o) => check(o, undefined) },
  });
  informer.start();
  return { done, stop: () => informer.stop() };
}

interface Operator {
  child: ChildProcess;
  port: Promise<number>;
  /** Rejects when the process exits (a leader that missed its renew deadline on a loaded machine exits 1), with its last log lines. */
  exited: Promise<never>;
}

function startOperator(namespace: string, identity: string): Operator {
  const child = spawn(
    process.execPath,
    [
      "packages/operator/dist/main.mjs",
      ...["--kubeconfig", kubeconfig, "--namespace", namespace, "--leader-election-namespace", namespace, "--identity", identity],
      ...[
        "--http-address",
        "127.0.0.1:0",
        "--workers",
        String(values.workers),
        "--kube-qps",
        String(values.qps),
        "--kube-burst",
        String(values.qps * 2),
        ...LEASE,
      ],
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...SETTINGS } },
  );
  let buffered = "";
  const exited = new Promise<never>((_, reject) => {
    child.on("exit", (code, signal) => reject(new Error(`operator ${identity} exited (${code ?? signal}); its last lines:\n${buffered}`)));
  });
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered = (buffered + chunk).slice(-2000);
      const port = /"msg":"serving[^\n]*"port":(\d+)/.exec(buffered)?.[1];
      if (port) resolve(Number(port));
    });
    exited.catch(reject);
  });
  // Awaited only while the bench waits on the process; a kill by the bench itself is expected.
  exited.catch(() => {});
  port.catch(() => {});
  return { child, port, exited };
}

function peakRssMiB(pid: number): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(hwm) / 1024;
}

/** /metrics, retried: a busy operator may drop a kept-alive connection (ECONNRESET). */
async function scrape(port: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function requestsByVerb(port: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [, verb, n] of (await scrape(port)).matchAll(/^edgefleet_kube_requests_total\{verb="(\w+)",code="\d+"\} (\d+)/gm)) {
    out[verb ?? ""] = (out[verb ?? ""] ?? 0) + Number(n);
  }
  return out;
}

/** Resolves once the operator has reconciled n models and its queue is empty. */
async function drained(port: number, n: number): Promise<void> {
  for (;;) {
    const text = await scrape(port);
    const reconciled = [...text.matchAll(/^edgefleet_reconcile_outcomes_total\{[^}]*\} (\d+)/gm)].reduce((a, [, v]) => a + Number(v), 0);
    const depth = Number(/^workqueue_depth\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? "1");
    if (reconciled >= n && depth === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Writes only: lease renewals are PUTs on a client of their own, reads are GET and WATCH. */
const writesOf = (requests: Record<string, number>) => (requests.POST ?? 0) + (requests.PATCH ?? 0) + (requests.DELETE ?? 0);

async function leaseHolder(client: KubeClient, namespace: string): Promise<string | undefined> {
  const lease = await client
    .request<{ spec: { holderIdentity?: string } }>({
      method: "GET",
      path: `${collectionPath(RESOURCES.leases, namespace)}/edgefleet-operator`,
    })
    .catch(() => undefined);
  return lease?.spec.holderIdentity;
}

const rows: string[] = [];
const details: string[] = [];
try {
  // The operator runs as shipped: bundled JavaScript, not TypeScript through tsx's loader (which costs ~70 MiB).
  run("npm", ["run", "--silent", "--workspace", "@edgefleet/operator", "build"]);
  const t0 = performance.now();
  cli("start", "--nodes", String(values.nodes));
  console.error(`cluster with ${values.nodes} nodes up in ${seconds(t0).toFixed(1)} s`);
  // 10,000 models × 125 nodes a class would be over a million pods: the DaemonSet controller is
  // stopped, so the numbers are the operator's own work (plan, apply children, write status).
  const kcmPid = Number(readFileSync(join(kwokWorkdir(env), "clusters", CLUSTER, "pids", "kube-controller-manager.pid"), "utf8"));
  process.kill(kcmPid, "SIGTERM");
  kubectl("apply", "--server-side", "-f", "packages/api/crds/");
  kubectl("wait", "--for", "condition=Established", "crd/edgemodels.edgefleet.io", "crd/edgeruntimes.edgefleet.io");
  kubectl("apply", "--server-side", "-f", "packages/api/catalog/");

  const client = new KubeClient({ credentials: await loadCredentials(kubeconfig), qps: 5000, burst: 5000, maxSockets: 64 });

  for (const n of values.models.split(",").map(Number)) {
    // Baseline: the API server accepting N EdgeModels, into a namespace no operator watches.
    kubectl("create", "namespace", `base-${n}`);
    const tBase = performance.now();
    await createAll(client, `base-${n}`, models(`base-${n}`, n));
    const baselineS = seconds(tBase);
    kubectl("delete", "namespace", `base-${n}`, "--wait=false");

    // The operator, started on N models already stored: list, plan, apply, write status.
    const ns = `bench-${n}`;
    kubectl("create", "namespace", ns);
    await createAll(client, ns, models(ns, n));
    const watch = watchConverged(client, ns, n);
    const tOp = performance.now();
    const leader = startOperator(ns, "bench-leader");
    await Promise.race([watch.done, leader.exited]);
    const convergedS = seconds(tOp);
    const port = await leader.port;
    const requests = await requestsByVerb(port);
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    const rss = peakRssMiB(leader.child.pid ?? 0);
    await watch.stop();
    console.error(`${n}: baseline ${baselineS.toFixed(1)} s, operator ${convergedS.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MiB`);

    // Failover with N models in place: a warm standby, the leader SIGKILLed.
    const standby = startOperator(ns, "bench-standby");
    await standby.port;
    await new Promise((r) => setTimeout(r, 5000));
    const tKill = performance.now();
    leader.child.kill("SIGKILL");
    while ((await leaseHolder(client, ns)) !== "bench-standby") await new Promise((r) => setTimeout(r, 50));
    const failoverS = seconds(tKill);
    // The standby took over a converged fleet: a restart where nothing changed.
    const standbyPort = await standby.port;
    await Promise.race([drained(standbyPort, n), standby.exited]);
    await new Promise((r) => setTimeout(r, 1000));
    const restartWrites = writesOf(await requestsByVerb(standbyPort));
    standby.child.kill("SIGKILL");

    rows.push(
      `| ${n.toLocaleString("en")} EdgeModels, ${values.nodes} nodes, until all converged | API server accepts the ${n.toLocaleString("en")} EdgeModels | ${baselineS.toFixed(2)} | ${convergedS.toFixed(2)} | ${(convergedS / baselineS).toFixed(2)} |`,
    );
    details.push(
      `| ${n.toLocaleString("en")} | ${convergedS.toFixed(1)} | ${rss.toFixed(0)} | ${total} (${Object.entries(requests)
        .map(([v, c]) => `${v} ${(c / n).toFixed(2)}/model`)
        .join(", ")}) | ${(total / convergedS).toFixed(0)} | ${failoverS.toFixed(2)} | ${restartWrites} |`,
    );
    const size = `${n.toLocaleString("en")} models`;
    figures.push(
      { name: `${size}: converge / API server create`, value: round(convergedS / baselineS), unit: "x", better: "lower", noise: 0.25 },
      { name: `${size}: converged`, value: round(convergedS), unit: "s", better: "lower", noise: 0.3 },
      { name: `${size}: peak operator RSS`, value: Math.round(rss), unit: "MiB", better: "lower", noise: 0.1 },
      ...Object.entries(requests)
        .filter(([verb]) => verb !== "WATCH")
        .map(
          ([verb, c]): Figure => ({
            name: `${size}: ${verb} per model`,
            value: round(c / n),
            unit: "requests",
            better: "lower",
            noise: 0.05,
          }),
        ),
      { name: `${size}: failover after SIGKILL`, value: round(failoverS), unit: "s", better: "lower", noise: 0.5 },
      {
        name: `${size}: writes by the new leader over the converged fleet`,
        value: restartWrites,
        unit: "requests",
        better: "lower",
        noise: 0,
      },
    );
    // Each size as it completes: a later one failing keeps what was measured.
    console.error(`${n}: ${details.at(-1)}`);
    writeResult(values.result, benchResult("operator", loadBefore, figures, SETTINGS));
    kubectl("delete", "namespace", ns, "--wait=false");
  }
  client.close();
} finally {
  spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", "delete", "--name", CLUSTER], { env, stdio: "ignore" });
  rmSync(stateDir, { recursive: true, force: true });
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(
  `operator: NODE_OPTIONS="${SETTINGS.NODE_OPTIONS}" --workers ${values.workers} --kube-qps ${values.qps} --kube-burst ${values.qps * 2} ${LEASE.join(" ")}`,
);
console.log("| benchmark | baseline | baseline (s) | edgefleet (s) | edgefleet / baseline |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(
  "\n| EdgeModels | converged (s) | peak operator RSS (MiB) | requests to the API server | requests/s | leader failover after SIGKILL (s) | writes by the new leader |",
);
console.log("|---|---|---|---|---|---|---|");
for (const d of details) console.log(d);
console.log(`load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`);
writeResult(values.result, benchResult("operator", loadBefore, figures, SETTINGS));
