// Benchmark of staged rollouts through the whole local platform (kwok fleet, operator, simulator,
// Mosquitto, gateway, Prometheus), with the operator's default 10 s analysis interval, healthy and
// slower builds taking turns:
//   - healthy rollouts of good builds, each of which must be promoted (false rollbacks counted);
//   - slower builds: at which step the gate caught each, and the time from its first sample in
//     Prometheus to every node back on the good build.
// Baseline, measured in the same run: moving every node to a new build with no staging and no
// analysis (one step of 100%), i.e. how fast the platform can change a fleet's version at all.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { buildModels } from "@edgefleet/test-models";
import {
  kubeconfigPath,
  LOCAL_HOST,
  PUBLIC_KEY_REF,
  publishArtifact,
  rolloutEnded,
  sampleModel,
  servedEverywhere,
  signingKey,
  startLocalPlatform,
} from "@edgefleet/tools";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, writeResult } from "./result.js";
import { median } from "./stats.js";

const values = await benchFlags({
  about: `Benchmarks staged rollouts through the whole local platform: healthy builds (each must be
promoted) and slower builds (where the gate caught each, how fast the fleet came back) taking turns,
against moving every node to a new build with no staging.`,
  flags: {
    healthy: { type: "integer", min: 0, default: "10", help: "rollouts of healthy builds" },
    slow: { type: "integer", min: 0, default: "10", help: "rollouts of slower builds" },
    nodes: { type: "integer", default: "20", help: "the fleet's nodes" },
    result: RESULT_FLAG,
  },
});
const loadBefore = loadavg()[0] ?? 0;
const CLUSTER = "bench-rollout";
const NS = "bench";
const MODEL = "detector";
const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-bench-rollout-"));
const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
const kubeconfig = kubeconfigPath(CLUSTER, env);
const say = (line: string) => console.error(line);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}
const cli = (...args: string[]) => run("node", ["--import", "tsx", "tools/src/cluster/cli.ts", ...args, "--name", CLUSTER]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The demo's settings (tools/src/demo/main.ts), so the false-rollback count speaks for them. */
const STAGED: EdgeModelSpec["rollout"] = {
  steps: [1, 10, 100],
  pauseSeconds: 10,
  analysis: { windowSeconds: 30, minSamples: 20, maxFailures: 1, latencyTolerance: 2 },
};
interface SlowRun {
  version: string;
  decision: string;
  reason: string;
  caughtAtStep: number;
  percent: number;
  firstBadSampleToAllBackSeconds: number;
}

const DIRECT: EdgeModelSpec["rollout"] = { steps: [100], pauseSeconds: 0, analysis: { windowSeconds: 30, minSamples: 1 } };

async function main(): Promise<void> {
  cli("start", "--nodes", String(values.nodes));
  // Interrupted, it still removes its cluster (the services are stopped with this process group).
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      cli("delete");
      rmSync(stateDir, { recursive: true, force: true });
      process.exit(130);
    });
  try {
    await measure();
  } finally {
    cli("delete");
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function measure(): Promise<void> {
  const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfig, ...args]);
  kubectl("apply", "--server-side", "-f", "packages/api/crds/");
  kubectl("wait", "--for=condition=established", "--timeout=60s", "crd/edgemodels.edgefleet.io", "crd/edgeruntimes.edgefleet.io");
  kubectl("apply", "--server-side", "-f", "packages/api/catalog/");
  // The operator elects its leader with a Lease there, as `pulumi up` of a stack would create it.
  kubectl("create", "namespace", "edgefleet-system");
  kubectl("create", "namespace", NS);
  const dir = join(stateDir, "platform");
  const platform = await startLocalPlatform({ kubeconfig, dir, freePorts: true, progress: (l) => say(`  ${l}`) });
  const client = new KubeClient({ credentials: await loadCredentials(kubeconfig) });
  try {
    const key = signingKey(join(dir, "pki"));
    await client.request({
      method: "POST",
      path: `/api/v1/namespaces/${NS}/secrets`,
      body: { metadata: { name: PUBLIC_KEY_REF.name }, stringData: { [PUBLIC_KEY_REF.key]: key.publicKeyPem } },
    });
    const [good, slow] = buildModels();
    if (!good || !slow) throw new Error("the model generator lost a model");
    const baseUrl = `https://${LOCAL_HOST}:${platform.ports.artifacts}`;
    const path = `/apis/edgefleet.io/v1alpha1/namespaces/${NS}/edgemodels/${MODEL}`;
    const model = async () => client.request<EdgeModel>({ method: "GET", path });
    const apply = async (version: string, bytes: Uint8Array, rollout: EdgeModelSpec["rollout"]) => {
      const artifact = publishArtifact({
        dir: platform.registryDir,
        baseUrl,
        model: MODEL,
        version,
        bytes,
        privateKeyPem: key.privateKeyPem,
      });
      const body = sampleModel({ namespace: NS, name: MODEL, version, artifact, rollout, slo: { p95LatencySeconds: 0.25 } });
      await client.request({
        method: "PATCH",
        path: `${path}?fieldManager=bench&force=true`,
        body,
        contentType: "application/apply-patch+yaml",
      });
    };
    const everywhere = async (version: string, timeoutMs = 600_000) => {
      const start = performance.now();
      await servedEverywhere({
        prometheus: platform.prometheus,
        namespace: NS,
        model: MODEL,
        version,
        read: model,
        pollMs: 500,
        timeoutMs,
      });
      return (performance.now() - start) / 1000;
    };
    const ended = async (version: string, timeoutMs = 900_000) => {
      const start = performance.now();
      for (;;) {
        const m = await model();
        const how = rolloutEnded(m, version);
        if (how) return { how, reason: m.status?.rollout?.reason ?? "", seconds: (performance.now() - start) / 1000 };
        if (performance.now() - start > timeoutMs) throw new Error(`rollout of ${version} did not end`);
        await sleep(500);
      }
    };

    say("first version, placed directly");
    await apply("1.0.0", good.bytes, DIRECT);
    await everywhere("1.0.0");

    say("baseline: a new build on every node at once, no analysis");
    const baseStart = performance.now();
    await apply("1.0.1", good.bytes, DIRECT);
    await everywhere("1.0.1");
    const baseline = (performance.now() - baseStart) / 1000;
    say(`  ${baseline.toFixed(1)} s`);

    const slowBytes = slow.bytes;
    // Healthy and slower builds alternate, so each slower build meets a fleet that just promoted.
    const healthy: { version: string; how: string; seconds: number }[] = [];
    const slowRuns: SlowRun[] = [];
    let current = "1.0.1";
    const runs = Math.max(values.healthy, values.slow);
    for (let i = 1; i <= runs; i++) {
      if (i <= values.healthy) {
        const version = `1.1.${i}`;
        await apply(version, good.bytes, STAGED);
        const result = await ended(version);
        healthy.push({ version, how: result.how, seconds: result.seconds });
        say(
          `  healthy ${version}: ${result.how} in ${result.seconds.toFixed(0)} s${result.how === "Promoted" ? "" : ` (${result.reason})`}`,
        );
        if (result.how === "Promoted") current = version;
        await everywhere(current);
      }
      if (i <= values.slow) {
        const run = await slowRollout(`2.0.${i}`, current);
        slowRuns.push(run);
        say(
          `  slower ${run.version}: ${run.decision} at step ${run.caughtAtStep} (${run.percent}%), every device back ${run.firstBadSampleToAllBackSeconds.toFixed(0)} s after its first sample`,
        );
        // A slower build that got through is the fleet's version now.
        if (run.decision === "Promoted") current = run.version;
      }
    }

    /** A slower build staged like the healthy ones: where the gate caught it and how fast the fleet came back. */
    async function slowRollout(version: string, stable: string): Promise<SlowRun> {
      await apply(version, slowBytes, STAGED);
      let firstBad: number | undefined;
      while (firstBad === undefined) {
        const rows = await platform.prometheus.query(
          `edgefleet_inference_requests_total{namespace="${NS}",model="${MODEL}",version="${version}"}`,
        );
        // The sample's own timestamp: when the gateway's scrape first held a bad build's count.
        if (rows.length) firstBad = Math.min(...rows.map((r) => r.value[0]));
        else await sleep(250);
      }
      const decision = await ended(version);
      const m = await model();
      if (decision.how === "RolledBack") await everywhere(stable);
      return {
        version,
        decision: decision.how,
        reason: decision.reason,
        // The step the rollout stood at when it ended (1-based, as the demo prints it).
        caughtAtStep: (m.status?.rollout?.step ?? 0) + 1,
        // The step's share: status.rollout.percent reads 0 once rolled back.
        percent: STAGED?.steps?.[m.status?.rollout?.step ?? 0] ?? 0,
        firstBadSampleToAllBackSeconds: Date.now() / 1000 - firstBad,
      };
    }

    const falseRollbacks = healthy.filter((h) => h.how !== "Promoted").length;
    const back = slowRuns.filter((r) => r.decision === "RolledBack").map((r) => r.firstBadSampleToAllBackSeconds);
    const caughtAt = (step: number) => slowRuns.filter((r) => r.decision === "RolledBack" && r.caughtAtStep === step).length;
    const healthyMedian = median(healthy.map((h) => h.seconds));
    writeResult(
      values.result,
      benchResult("rollout", loadBefore, [
        {
          name: "false rollbacks / healthy rollouts",
          value: falseRollbacks / Math.max(1, healthy.length),
          unit: "ratio",
          better: "lower",
          noise: 0,
        },
        {
          name: "slower builds caught at the first step / slower builds",
          value: caughtAt(1) / Math.max(1, slowRuns.length),
          unit: "ratio",
          better: "higher",
          noise: 0,
        },
        // As a share of the direct move measured in the same run: the machine's speed cancels out.
        {
          name: "healthy staged rollout / direct move",
          value: Number((healthyMedian / baseline).toFixed(2)),
          unit: "x",
          better: "lower",
          noise: 0.3,
        },
        {
          name: "first bad sample to every node back / direct move",
          value: Number((median(back) / baseline).toFixed(2)),
          unit: "x",
          better: "lower",
          noise: 0.3,
        },
      ]),
    );
    console.log(
      JSON.stringify(
        {
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => l.toFixed(2)) },
          nodes: values.nodes,
          analysisIntervalSeconds: 10,
          baselineDirectSeconds: Number(baseline.toFixed(1)),
          healthy: healthy.map((h) => ({ ...h, seconds: Number(h.seconds.toFixed(1)) })),
          falseRollbacks,
          slow: {
            runs: slowRuns.length,
            caughtAtStep: STAGED?.steps?.map((_, i) => caughtAt(i + 1)),
            notCaught: slowRuns.filter((r) => r.decision !== "RolledBack").length,
            firstBadSampleToAllBackSeconds: { median: Number(median(back).toFixed(1)), max: Number(Math.max(...back).toFixed(1)) },
            ratioToBaseline: Number((median(back) / baseline).toFixed(2)),
            each: slowRuns.map((r) => ({ ...r, firstBadSampleToAllBackSeconds: Number(r.firstBadSampleToAllBackSeconds.toFixed(1)) })),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await platform.stop();
    client.close();
  }
}

main().catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
