// `tools/edgefleet demo --federated`: federated training on the real Flower engine, then the
// trained model built and measured like any other.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../cluster/paths.js";

const STEPS = 2;
/** Small enough for a laptop's few minutes: every message a device handles is a Python process. */
const DEVICES = 10;
const ROUNDS = 3;
const SAMPLE_PERCENT = 50;

export const FEDERATED_STEPS = `  1. federated training on Flower: a SuperLink and ${DEVICES} SuperNode processes (simulated devices),
     each holding a non-IID share of scikit-learn's digits; ${ROUNDS} rounds of FedAvg over ${SAMPLE_PERCENT}% of them
     with SecAgg+ (the server sees only the sum), each sampled device dropping out 1 time in 10,
     printed round by round (here: 54%, 84%, 93% accuracy; central training 98%)
  2. the federated model built and measured like any other (tools/edgefleet model build): int8,
     fp16 and OpenVINO builds, each within the accuracy budget of the federated source`;

/** Runs a tools/edgefleet CLI with its output shown; returns its exit status. */
function tool(root: string, cli: string, args: readonly string[]): number {
  const r = spawnSync("node", ["--import", "tsx", cli, ...args], { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

/** The federated walk-through, in the demo's state directory (started afresh each run). */
export function federatedDemo(o: { root: string; say: (line: string) => void }): void {
  const step = (n: number, what: string) => o.say(`\n[${n}/${STEPS}] ${what}`);
  const dir = join(stateDir(), "demo-federated");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);

  step(1, `federated training on Flower: ${DEVICES} simulated devices, ${ROUNDS} rounds, SecAgg+, dropouts`);
  const trained = tool(o.root, "tools/src/federated/cli.ts", [
    "run",
    "--out",
    dir,
    "--devices",
    String(DEVICES),
    "--rounds",
    String(ROUNDS),
    "--sample-percent",
    String(SAMPLE_PERCENT),
    "--secagg",
  ]);
  if (trained !== 0) throw new Error("tools/edgefleet fl run failed (its output is above)");

  step(2, "the federated model's builds, measured on this CPU against it, within the default 1-point budget");
  const built = tool(o.root, "tools/src/model-build/cli.ts", [
    "build",
    "--model",
    file("digits-federated.onnx"),
    "--calibration",
    file("digits-calibration.npz"),
    "--evaluation",
    file("digits-evaluation.npz"),
    "--out",
    file("builds"),
  ]);
  if (built !== 0) throw new Error("tools/edgefleet model build refused a build of the federated model (its output is above)");
  o.say(
    `  the builds are in ${file("builds")}: \`tools/edgefleet model publish\` ships them as an EdgeModel version (docs/model-builds.md)`,
  );
}
