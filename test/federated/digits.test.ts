import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { useTempDirs } from "@edgefleet/kit";
import { type FederatedResult, loadToolchain } from "@edgefleet/tools";
import { describe, expect, it } from "vitest";

/*
 * Federated learning on the real Flower engine (tools/edgefleet fl run): a SuperLink and a SuperNode
 * process per simulated device, over TLS, training the digits MLP of the model builds on non-IID
 * shares of the training images, with devices dropping out of rounds.
 */

// `--import tsx` resolves from the working directory, so run where node_modules is.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "tools/src/federated/cli.ts");
const tempDir = useTempDirs("federated");
// Each device's every message is a Python process of its own (Flower's deployment runtime), about
// 2.4 s of CPU to start: on 2 cores a round of 10 devices through SecAgg+'s four stages takes about
// a minute. And each must reach its SuperNode within Flower's 30 s task-claim window: on a machine
// loaded past that, the devices' tasks expire and the run stalls.
const RUN_TIMEOUT_MS = 600_000;

function fl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", ["--import", "tsx", CLI, "run", ...args], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const resultIn = (out: string): FederatedResult => JSON.parse(readFileSync(join(out, "result.json"), "utf8"));

/** dp-accounting's RDP accountant, called here rather than through the app: the reference. */
function referenceEpsilon(rounds: number, sampleRate: number, noiseMultiplier: number, delta: number): Promise<number> {
  const script = `
import sys
from dp_accounting import GaussianDpEvent, PoissonSampledDpEvent, SelfComposedDpEvent
from dp_accounting.rdp import RdpAccountant
rounds, q, z, delta = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
accountant = RdpAccountant()
accountant.compose(SelfComposedDpEvent(PoissonSampledDpEvent(q, GaussianDpEvent(z)), rounds))
print(accountant.get_epsilon(delta))
`;
  const python = loadToolchain().bin("federated-python");
  return new Promise((resolve, reject) =>
    execFile(python, ["-c", script, String(rounds), String(sampleRate), String(noiseMultiplier), String(delta)], (err, stdout) =>
      err ? reject(err) : resolve(Number(stdout.trim())),
    ),
  );
}

describe("federated learning on Flower", () => {
  // Sized for CI (2 cores): how close federated training comes to central training (the issue's
  // 2 points, which takes ~20 rounds of 10 devices) is measured by bench/federated.ts instead.
  it(
    "20 devices, non-IID, dropouts, SecAgg+: every round aggregates the devices that replied, and the model learns",
    async () => {
      const out = tempDir();
      const run = await fl(
        ["--out", out, "--devices", "20", "--rounds", "2", "--sample-percent", "20", "--dropout-percent", "10"].concat([
          "--local-epochs",
          "5",
          "--secagg",
        ]),
      );
      expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
      expect(run.stdout).toMatch(/^round 1\/2: \d+ of 4 sampled devices replied/m);
      const result = resultIn(out);
      expect(result.rounds).toHaveLength(2);
      for (const r of result.rounds) {
        expect(r.sampled).toBe(4);
        expect(r.participants + r.dropouts).toBe(4);
        // SecAgg+ rebuilds the masks of any half of them.
        expect(r.participants).toBeGreaterThanOrEqual(2);
        expect(r.bytesPerDevice?.sent).toBeGreaterThan(0);
      }
      // Whether a sampled device drops out is drawn from the seed, the round and the device, but
      // which devices Flower samples depends on the node ids they registered under (random), so
      // the count of dropouts is not fixed (8 draws at 10%: none in 43% of runs; 10%, not more, because
      // SecAgg+ needs half of the 4 to reply: 3 dropouts in a round is 0.4% a round). Every round
      // above balanced its sampled devices against those that replied, whichever dropped.
      // Ten classes: chance is 10%. Two rounds of four non-IID shares reached 44% here (central
      // training: 98%); closing that gap takes ~20 rounds (bench/federated.ts).
      expect(result.finalAccuracyPercent).toBeGreaterThan(25);
      expect(result.centralizedAccuracyPercent).toBeGreaterThan(95);
      expect(result.epsilon).toBeNull();
      expect(existsSync(result.model)).toBe(true);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "DP: epsilon as dp-accounting's RDP accountant counts it, and no round past the budget",
    async () => {
      const out = tempDir();
      // Sampling 5 of 10 devices with noise 1.5: 3 rounds spend 3.66, a 4th would spend 4.17.
      const run = await fl(
        ["--out", out, "--devices", "10", "--rounds", "10", "--sample-percent", "50", "--dropout-percent", "10"].concat([
          "--dp",
          "--dp-noise-multiplier",
          "1.5",
          "--dp-target-epsilon",
          "4",
          "--dp-delta",
          "1e-5",
        ]),
      );
      expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
      const result = resultIn(out);
      expect(result.roundsPlanned).toBe(3);
      expect(result.rounds).toHaveLength(3);
      expect(run.stdout).toContain("(the budget allowed 3 of 10 rounds)");
      for (const r of result.rounds) expect(r.epsilon).toBeCloseTo(await referenceEpsilon(r.round, 0.5, 1.5, 1e-5), 9);
      expect(result.epsilon).toBeCloseTo(await referenceEpsilon(3, 0.5, 1.5, 1e-5), 9);
      expect(result.epsilon).toBeLessThanOrEqual(4);
      expect(await referenceEpsilon(4, 0.5, 1.5, 1e-5)).toBeGreaterThan(4);
    },
    RUN_TIMEOUT_MS,
  );
});
