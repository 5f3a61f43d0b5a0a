// `tools/edgefleet demo --model-build-cli`: the step before deployment with the CLI alone, building and measuring variants.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../cluster/paths.js";

const STEPS = 3;
/** Tighter than the int8 builds' measured drops (static 0.19, OpenVINO 0.37 points), so the gate shows refusals. */
const STRICT_DROP_POINTS = 0.1;

export const MODEL_BUILD_STEPS = `  1. a small model trained on a real data set: an MLP on scikit-learn's digits, exported with skl2onnx
  2. its builds with ONNX Runtime's quantizers and onnxconverter-common (int8 dynamic and static,
     fp16) and with OpenVINO and NNCF (IR fp16 and int8), each measured here with the runtime that
     serves it: size, accuracy and its drop, p50/p95 latency
  3. the same under a ${STRICT_DROP_POINTS}-point accuracy budget: the gate refuses the static and OpenVINO int8 builds`;

/** Runs `tools/edgefleet model` with its output shown; returns its exit status. */
function model(root: string, args: readonly string[]): number {
  const r = spawnSync("node", ["--import", "tsx", "tools/src/model-build/cli.ts", ...args], { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

/** The model-build walk-through, in the demo's state directory (started afresh each run). */
export function modelBuildDemo(o: { root: string; say: (line: string) => void }): void {
  const step = (n: number, what: string) => o.say(`\n[${n}/${STEPS}] ${what}`);
  const dir = join(stateDir(), "demo-model-build");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const data = (name: string) => join(dir, name);
  const build = (out: string, extra: readonly string[]) =>
    model(o.root, [
      "build",
      "--model",
      data("digits-mlp.onnx"),
      "--calibration",
      data("digits-calibration.npz"),
      "--evaluation",
      data("digits-evaluation.npz"),
      "--out",
      join(dir, out),
      ...extra,
    ]);

  step(1, "the digits MLP: trained with scikit-learn on its digits data set, exported to ONNX");
  if (model(o.root, ["example", "--out", dir]) !== 0) throw new Error("tools/edgefleet model example failed (its output is above)");

  step(2, "its builds, measured on this CPU against the source, within the default 1-point accuracy budget");
  if (build("builds", []) !== 0) throw new Error("tools/edgefleet model build refused a build under the default budget");

  step(3, `a ${STRICT_DROP_POINTS}-point accuracy budget: the gate refuses what loses more, and writes nothing for it`);
  const strict = build("builds-strict", ["--max-accuracy-drop", String(STRICT_DROP_POINTS)]);
  if (strict === 0) throw new Error(`no build was refused under a ${STRICT_DROP_POINTS}-point budget`);
  o.say(`  exit ${strict}: a refused build fails the command, as a CI job building variants should (docs/model-builds.md)`);
}
