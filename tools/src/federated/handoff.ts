import { join } from "node:path";
import {
  ARTIFACT_CA_BUNDLE_ENV,
  FEDERATED_BUILD_MOUNTS,
  type FederatedBuildConfig,
  PLAIN_HTTP_REGISTRIES_ENV,
  TRAINED_MODEL_VARIANT,
  type TrainingBuildResult,
} from "@edgefleet/api";
import { errorMessage } from "@edgefleet/kit";
import { platformTrust, pushAccess, type RegistryAccess } from "../artifacts/registry-access.js";
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

/**
 * handOff as a coordinator pod does it: the signing key and registry credentials read from their
 * Secrets' mounts (FEDERATED_BUILD_MOUNTS, through read), the registry reached as the pod's
 * environment says (its CA bundle, its plain-HTTP registries). A bad CA bundle or a missing Secret
 * fails the hand-off and says which.
 */
export async function handOffFromPod(o: {
  build: FederatedBuildConfig;
  out: string;
  /** A mounted Secret's file: its text, or an error saying why it is not there. */
  read: (dir: string, file: string) => Promise<string>;
  /** The pod's environment (ARTIFACT_CA_BUNDLE_ENV, PLAIN_HTTP_REGISTRIES_ENV). */
  env: Readonly<Record<string, string | undefined>>;
}): Promise<TrainingBuildResult> {
  const m = FEDERATED_BUILD_MOUNTS;
  // Every way a mount's file is not there is a missing Secret, and says so once.
  const mounted = (dir: string, file: string): Promise<string> =>
    o.read(dir, file).catch((err: unknown) => {
      throw new Error(`missing Secret: ${errorMessage(err)}`);
    });
  try {
    const trust = platformTrust({
      [ARTIFACT_CA_BUNDLE_ENV]: o.env[ARTIFACT_CA_BUNDLE_ENV],
      [PLAIN_HTTP_REGISTRIES_ENV]: o.env[PLAIN_HTTP_REGISTRIES_ENV],
    });
    const privateKeyPem = await mounted(m.signingKeyDir, m.signingKeyFile);
    const registryAuth = o.build.registryAuth ? await mounted(m.registryAuthDir, m.registryAuthFile) : undefined;
    return await handOff({ build: o.build, out: o.out, privateKeyPem, registry: pushAccess(o.build.to, trust, registryAuth) });
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
