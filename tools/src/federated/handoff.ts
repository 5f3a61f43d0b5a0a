import { join } from "node:path";
import { type FederatedBuildConfig, TRAINED_MODEL_VARIANT, type TrainingBuildResult } from "@edgefleet/api";
import { errorMessage } from "@edgefleet/kit";
import type { RegistryAccess } from "../artifacts/registry-access.js";
import { pushData, signAndPush } from "../artifacts/signed-push.js";

/** The files edgefleet's Flower app writes into its output directory (server_app.py). */
export const TRAINED_FILES = {
  model: "digits-federated.onnx",
  calibration: "digits-calibration.npz",
  evaluation: "digits-evaluation.npz",
} as const;

export interface HandOffOptions {
  build: FederatedBuildConfig;
  /** The coordinator's output directory, holding TRAINED_FILES. */
  out: string;
  /** The signing key Secret's PEM, read from its mount. */
  privateKeyPem: string;
  registry: RegistryAccess;
}

/**
 * What a coordinator with spec.build does once training has succeeded: signs the trained model for
 * (namespace, model, version) and pushes it with its signature to VERSION, and the calibration and
 * evaluation data to VERSION-calibration and VERSION-evaluation, each named by its manifest's
 * digest. A failure is a result too ({error}): the operator says it in the job's status.
 */
export async function handOff(o: HandOffOptions): Promise<TrainingBuildResult> {
  const { build, out, registry } = o;
  const tag = (suffix: string) => `${build.to}:${build.version}${suffix}`;
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw new Error(`${what}: ${errorMessage(err)}`);
    }
  };
  try {
    const source = await step(`signing and pushing the model to ${tag("")}`, () =>
      signAndPush({
        file: join(out, TRAINED_FILES.model),
        namespace: build.namespace,
        model: build.model,
        version: build.version,
        variant: TRAINED_MODEL_VARIANT,
        privateKeyPem: o.privateKeyPem,
        to: tag(""),
        registry,
      }),
    );
    const data = async (what: "calibration" | "evaluation") => {
      const to = tag(`-${what}`);
      return step(`pushing the ${what} data to ${to}`, () => pushData(join(out, TRAINED_FILES[what]), to, registry));
    };
    return { source, calibration: await data("calibration"), evaluation: await data("evaluation") };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
