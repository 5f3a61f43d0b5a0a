// Benchmark of federated learning on Flower (tools/edgefleet fl run): time per round and bytes per
// device per round at 20 and 100 simulated devices, without and with SecAgg+ (and their ratio), and
// the accuracy of each round's global model against the same MLP trained centrally. Every device
// is a Flower SuperNode process, and each message a device handles a Python process of its own
// (Flower's deployment runtime): the round times are mostly those processes' start-up (about 1 s
// of CPU each, Flower's imports) and Flower's polling (3 s), on this CPU (docs/federated.md, Cost).
// Runs with fl run's defaults otherwise (FedAvg, 20 local epochs, decaying learning rate, seed 1).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FederatedResult } from "@edgefleet/tools";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks federated learning on Flower: tools/edgefleet fl run at each --devices count, without
and with SecAgg+, --rounds rounds each sampling --sample-percent of the devices; prints and records
the median time per round, the mean bytes a device receives and sends per round, and each round's
accuracy against central training.`,
  flags: {
    devices: {
      type: "string",
      default: "20,100",
      check: { must: "be counts separated by commas", test: /^\d+(,\d+)*$/ },
      help: "device counts to run",
    },
    rounds: { type: "integer", default: "3", help: "rounds of each run" },
    "sample-percent": { type: "integer", max: 100, default: "20", help: "share of the devices sampled per round" },
    "ignore-memory": { type: "switch", help: "passed to fl run: start a count that needs more memory than is available (with swap)" },
    result: RESULT_FLAG,
  },
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "tools/src/federated/cli.ts");

function run(devices: number, secagg: boolean): Promise<FederatedResult> {
  const out = mkdtempSync(join(tmpdir(), "edgefleet-bench-federated-"));
  const args = ["--out", out, "--devices", String(devices), "--rounds", String(values.rounds)].concat([
    "--sample-percent",
    String(values["sample-percent"]),
    ...(secagg ? ["--secagg"] : []),
    ...(values["ignore-memory"] ? ["--ignore-memory"] : []),
  ]);
  return new Promise((resolve, reject) =>
    execFile("node", ["--import", "tsx", CLI, "run", ...args], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 }, (err, _stdout, stderr) => {
      try {
        if (err) throw new Error(`fl run ${args.join(" ")} failed: ${stderr}`);
        resolve(JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as FederatedResult);
      } catch (e) {
        reject(e);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const kib = (bytes: number) => Math.round(bytes / 1024);
/**
 * The rounds some device took part in: bytes per device are theirs. A round every sampled device
 * dropped out of (SecAgg+ at 100 devices on 2 cores: their app processes missed Flower's task-claim
 * window) still carries the stages they started, which would pull the mean down.
 */
const aggregated = (r: FederatedResult) => r.rounds.filter((x) => x.participants > 0);

const loadBefore = loadavg();
const figures: Figure[] = [];
console.log(
  "| devices | aggregation | s / round (median) | KiB received / device / round | KiB sent / device / round | accuracy per round (%) | centralized (%) |",
);
console.log(
  "| ------: | ----------- | -----------------: | ----------------------------: | ------------------------: | ---------------------- | --------------: |",
);
for (const devices of values.devices.split(",").map(Number)) {
  const plain = await run(devices, false);
  const secure = await run(devices, true);
  for (const [name, r] of [
    ["FedAvg", plain],
    ["FedAvg + SecAgg+", secure],
  ] as const) {
    const seconds = median(r.rounds.map((x) => x.seconds));
    const received = mean(aggregated(r).map((x) => x.bytesPerDevice?.received ?? 0));
    const sent = mean(aggregated(r).map((x) => x.bytesPerDevice?.sent ?? 0));
    console.log(
      `| ${devices} | ${name} | ${seconds.toFixed(1)} | ${kib(received)} | ${kib(sent)} | ${r.rounds.map((x) => x.accuracyPercent.toFixed(1)).join(", ")} | ${r.centralizedAccuracyPercent.toFixed(1)} |`,
    );
    figures.push(
      { name: `${devices} devices, ${name}: time per round`, value: Number(seconds.toFixed(2)), unit: "s", better: "lower", noise: 0.5 },
      {
        name: `${devices} devices, ${name}: bytes sent per device per round`,
        value: Math.round(sent),
        unit: "B",
        better: "lower",
        noise: 0.05,
      },
      {
        name: `${devices} devices, ${name}: bytes received per device per round`,
        value: Math.round(received),
        unit: "B",
        better: "lower",
        noise: 0.05,
      },
    );
  }
  const ratio = (f: (r: FederatedResult) => number) => (f(secure) / f(plain)).toFixed(2);
  console.log(
    `\n${devices} devices, SecAgg+ / plain: time per round ${ratio((r) => median(r.rounds.map((x) => x.seconds)))}x, bytes sent per device ${ratio((r) => mean(aggregated(r).map((x) => x.bytesPerDevice?.sent ?? 0)))}x\n`,
  );
}
writeResult(values.result, benchResult("federated", loadBefore[0] ?? 0, figures));
console.log(`${cpus().length} x ${cpus()[0]?.model}; load average before ${loadBefore[0]?.toFixed(2)}, after ${loadavg()[0]?.toFixed(2)}`);
