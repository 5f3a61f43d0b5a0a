#!/usr/bin/env -S node --import tsx
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { jsonLogger, onShutdown, optionsOrExitCode } from "@edgefleet/kit";
import { loadToolchain } from "../cluster/toolchain.js";
import { subcommands } from "../subcommands.js";
import { startFederation } from "./flower.js";
import { memoryProblem } from "./memory.js";
import { RUN, runConfig } from "./options.js";
import { type FederatedResult, jsonLines, type Round, roundLine, summary, type Traffic, withTraffic } from "./result.js";

const USAGE = `Usage: tools/edgefleet fl <command> (--help for each)

  run   federated learning of the digits MLP on Flower: a SuperLink and a SuperNode process per
        simulated device, non-IID data, dropouts, SecAgg+ and DP on request`;

/** How often the rounds the app has written are read and printed. */
const POLL_MS = 500;

/** Prints the rounds the app appends to rounds.jsonl as they come. */
function followRounds(file: string, planned: () => number): { poll(): void } {
  let read = 0;
  return {
    poll() {
      if (!existsSync(file)) return;
      const text = readFileSync(file, "utf8");
      const { items } = jsonLines<Round>(text.slice(read));
      read = text.lastIndexOf("\n") + 1;
      for (const r of items) console.log(roundLine(r, planned()));
    },
  };
}

async function run(argv: string[]): Promise<number> {
  const o = await optionsOrExitCode(RUN.help, () => RUN.parse(argv, (v) => v));
  if (typeof o === "number") return o;
  const log = jsonLogger({ write: (l) => process.stderr.write(l) }).with({ component: "fl" });
  const tooMany = o["ignore-memory"] ? undefined : memoryProblem(o.devices);
  if (tooMany) {
    console.error(`fl run: ${tooMany}`);
    return 2;
  }
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  // A previous run's rounds and traffic would be read as this run's.
  for (const f of ["rounds.jsonl", "traffic.jsonl", "result.json"]) rmSync(join(out, f), { force: true });
  const trafficFile = join(out, "traffic.jsonl");
  const federation = await startFederation({
    toolchain: loadToolchain(),
    devices: o.devices,
    dir: out,
    trafficFile,
    split: { alpha: o["dirichlet-alpha"], seed: o.seed },
    tls: !o.insecure,
    log,
  });
  const stopped = onShutdown({ log, timeoutMs: 60_000, stop: () => federation.close() });
  const rounds = followRounds(join(out, "rounds.jsonl"), () => o.rounds);
  const timer = setInterval(() => rounds.poll(), POLL_MS);
  try {
    log.info("run submitted", { devices: o.devices, rounds: o.rounds, secagg: o.secagg, dp: o.dp });
    await Promise.race([federation.run(runConfig(o, out)), stopped.then(() => Promise.reject(new Error("interrupted")))]);
    rounds.poll();
    const resultFile = join(out, "result.json");
    if (!existsSync(resultFile)) throw new Error(`the ServerApp wrote no ${resultFile}: see ${join(out, "flwr-run.log")}`);
    const traffic = existsSync(trafficFile) ? jsonLines<Traffic>(readFileSync(trafficFile, "utf8")).items : [];
    const result = withTraffic(JSON.parse(readFileSync(resultFile, "utf8")) as FederatedResult, traffic);
    writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(summary(result));
    return 0;
  } finally {
    clearInterval(timer);
    await federation.close();
  }
}

process.exitCode = await subcommands("fl", USAGE, { run }, process.argv.slice(2));
