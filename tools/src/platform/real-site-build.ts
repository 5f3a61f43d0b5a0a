import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EdgeModelBuildSpec } from "@edgefleet/api";
import type { RealSite } from "./real-site.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The builds a real site's digits build makes: ONNX Runtime's dynamic int8 and OpenVINO int8 by NNCF, both in the model-build image. */
export const DIGITS_BUILD_TARGETS: EdgeModelBuildSpec["targets"] = ["onnx-int8-dynamic", "openvino-int8"];

/**
 * The spec of an EdgeModelBuild of the digits example (tools/edgefleet model example, written to
 * dir) whose inputs are on the site's OCI registry as a team would put them there: the source signed
 * for model digits at version, the calibration and evaluation data beside it; all behind the model
 * namespace's pull Secret (site.createModelNamespace).
 */
export async function digitsBuildSpec(site: RealSite, o: { dir: string; version: string }): Promise<EdgeModelBuildSpec> {
  const made = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools/src/model-build/cli.ts"), "example", "--out", o.dir], {
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(`tools/edgefleet model example: ${made.stderr}`);
  const file = (name: string) => readFileSync(join(o.dir, name));
  const data = async (name: string) => {
    const { signature: _, ...unsigned } = await site.publish(`digits-${name}`, o.version, file(`digits-${name}.npz`));
    return unsigned;
  };
  return {
    model: "digits",
    version: o.version,
    source: await site.publish("digits", o.version, file("digits-mlp.onnx")),
    calibration: await data("calibration"),
    evaluation: await data("evaluation"),
    targets: DIGITS_BUILD_TARGETS,
    maxAccuracyDropPoints: 2,
  };
}
