import type { FederatedJobConfig } from "@edgefleet/api";
import type { Split } from "./flower.js";
import { RUN, runConfig } from "./options.js";

/**
 * The Flower run config of a FederatedTraining's settings (its pods' EDGEFLEET_FL_JOB) and how the
 * digits data is split over its devices: tools/edgefleet fl run's flags, its defaults for the rest,
 * no simulated dropouts (a job's devices drop out for real). out is where the app writes.
 */
export function jobRun(job: FederatedJobConfig, out: string): { config: string; split: Split } {
  const dp = job.differentialPrivacy;
  const argv = [
    ...["--out", out, "--devices", String(job.devices), "--rounds", String(job.rounds)],
    ...["--sample-percent", String(job.devicesPerRoundPercent), "--dropout-percent", "0"],
    ...["--strategy", job.strategy === "FedProx" ? "fedprox" : "fedavg"],
    ...(job.proximalMu === undefined ? [] : ["--proximal-mu", String(job.proximalMu)]),
    ...(job.secureAggregation ? ["--secagg"] : []),
    ...(dp ? ["--dp", "--dp-clipping-norm", String(dp.clipNorm), "--dp-noise-multiplier", String(dp.noiseMultiplier)] : []),
    ...(dp ? ["--dp-target-epsilon", String(dp.targetEpsilon), "--dp-delta", String(dp.delta)] : []),
  ];
  const parsed = RUN.parse(argv, (v) => v);
  if (parsed.help) throw new Error("unreachable: no --help given");
  return { config: runConfig(parsed.options, out), split: { alpha: parsed.options["dirichlet-alpha"], seed: parsed.options.seed } };
}
