import { command, type Flags, type FlagValues } from "@edgefleet/kit";

const FLAGS = {
  out: { type: "string", arg: "DIR", required: true, help: "where to write the result, the model and the processes' logs" },
  devices: { type: "integer", min: 2, default: "20", help: "simulated devices, one Flower SuperNode process each" },
  rounds: { type: "integer", default: "20", help: "rounds of training (fewer when the privacy budget runs out)" },
  "sample-percent": { type: "integer", max: 100, default: "50", help: "share of the devices sampled for each round" },
  "dropout-percent": {
    type: "integer",
    min: 0,
    max: 90,
    default: "10",
    help: "chance that a sampled device drops out of a round, drawn per device and round from --seed",
  },
  "local-epochs": { type: "integer", default: "20", help: "passes over its images a device trains per round" },
  "batch-size": { type: "integer", default: "16", help: "images per step of a device's SGD" },
  "learning-rate": { type: "number", default: "0.05", help: "the devices' SGD learning rate in round 1" },
  "learning-rate-decay": {
    type: "number",
    default: "0.9",
    help: "factor of the learning rate from one round to the next (1: constant; below 1 settles the model)",
  },
  strategy: {
    type: "enum",
    of: ["fedavg", "fedprox"],
    default: "fedavg",
    help: "Flower's FedAvg, or FedProx: FedAvg with a proximal term in the devices' training",
  },
  "proximal-mu": {
    type: "number",
    default: "0.01",
    help: "FedProx's mu: how strongly a device's training is held near the global weights (--strategy fedprox)",
  },
  "dirichlet-alpha": {
    type: "number",
    default: "0.5",
    help: "concentration of the label split over devices: smaller is less alike (non-IID), large is IID",
  },
  seed: { type: "integer", min: 0, default: "1", help: "seeds the split, the dropouts, the sampling and the initial weights" },
  secagg: { type: "switch", help: "aggregate with SecAgg+: the server only sees the sum of the masked updates" },
  dp: { type: "switch", help: "central differential privacy: updates clipped on the devices, Gaussian noise on the average" },
  "dp-noise-multiplier": { type: "number", default: "1.0", help: "noise standard deviation over the clipping norm" },
  "dp-clipping-norm": { type: "number", default: "1.0", help: "L2 norm each device's update is clipped to" },
  "dp-target-epsilon": { type: "number", default: "10", help: "the privacy budget: no round is run that would spend more" },
  "dp-delta": { type: "number", default: "1e-5", help: "delta of the (epsilon, delta) budget" },
  insecure: { type: "switch", help: "plain HTTP between SuperNodes and the SuperLink instead of TLS from a throwaway CA" },
  "ignore-memory": {
    type: "switch",
    help: "start even when --devices needs more memory than this machine has available (about 250 MB a device)",
  },
} as const satisfies Flags;

export const RUN = command({
  usage: "tools/edgefleet fl run --out DIR [--devices N] [--secagg] [--dp] [options]",
  about: `Federated learning on Flower (docs/federated.md): starts a Flower SuperLink and one SuperNode
per simulated device, each a process of its own, and runs edgefleet's Flower app on them: the
digits MLP of the model builds, each device holding a non-IID share of the training images
(Dirichlet over labels) in a file of its own, FedAvg weighted by samples (or FedProx) over
--sample-percent of the devices per round, sampled by device from --seed, devices dropping out of
rounds at random (seeded), SecAgg+ with --secagg, central DP with
--dp (client-side clipping, Gaussian noise) stopping before a round would spend more than
--dp-target-epsilon (dp-accounting's RDP accountant). Prints each round as it ends and writes
DIR/result.json (each round's figures, bytes per device, the final and the centrally trained
accuracy, epsilon) and DIR/digits-federated.onnx with the data to run tools/edgefleet model build
on. Stops every process it started on exit, SIGINT and SIGTERM.`,
  flags: FLAGS,
});

export type RunOptions = FlagValues<typeof FLAGS>;

/**
 * The Flower run config (`flwr run --run-config`) of the app's keys
 * (tools/src/federated/app/pyproject.toml): TOML values, space-separated. --dirichlet-alpha is not
 * among them: the devices' shares are written before the run (startFederation's split).
 */
export function runConfig(o: RunOptions, out: string): string {
  // TOML tells 1 from 1.0, and Flower keeps the type: whole numbers of a float key get their ".0".
  const floats = {
    fraction: o["sample-percent"] / 100,
    "learning-rate": o["learning-rate"],
    "learning-rate-decay": o["learning-rate-decay"],
    "proximal-mu": o["proximal-mu"],
    dropout: o["dropout-percent"] / 100,
    "dp-noise-multiplier": o["dp-noise-multiplier"],
    "dp-clipping-norm": o["dp-clipping-norm"],
    "dp-target-epsilon": o["dp-target-epsilon"],
    "dp-delta": o["dp-delta"],
  };
  const rest = {
    devices: o.devices,
    rounds: o.rounds,
    "local-epochs": o["local-epochs"],
    "batch-size": o["batch-size"],
    seed: o.seed,
    strategy: JSON.stringify(o.strategy),
    secagg: o.secagg,
    dp: o.dp,
    out: JSON.stringify(out),
  };
  return [
    ...Object.entries(floats).map(([k, v]) => `${k}=${Number.isInteger(v) ? v.toFixed(1) : v}`),
    ...Object.entries(rest).map(([k, v]) => `${k}=${v}`),
  ].join(" ");
}
