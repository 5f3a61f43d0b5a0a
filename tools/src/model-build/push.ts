import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { PushedFile } from "@edgefleet/api";
import type { RegistryAccess } from "../artifacts/registry-access.js";
import { pushData, signAndPush } from "../artifacts/signed-push.js";
import type { EvaluationData, TargetResult } from "./result.js";

/** Where and as what a publication signs and pushes: the same for the CLI (model publish) and the build pod (model job). */
export interface PushSettings {
  /** oci://registry[:port]/repository: each file is tagged <version>-<variant> there. */
  to: string;
  /** The EdgeModel's namespace and name, and the new version: what each v2 signature names. */
  namespace: string;
  model: string;
  version: string;
  privateKeyPem: string;
  registry: RegistryAccess;
  /** One line per pushed file. */
  say: (line: string) => void;
}

/** Signs one file for the new version as the variant (edgefleet's v2 statement) and pushes it, tagged <version>-<variant>. */
export async function pushVariant(s: PushSettings, file: string, variant: string): Promise<PushedFile> {
  const to = `${s.to}:${s.version}-${variant}`;
  const pushed = await signAndPush({
    file,
    namespace: s.namespace,
    model: s.model,
    version: s.version,
    variant,
    privateKeyPem: s.privateKeyPem,
    to,
    registry: s.registry,
  });
  s.say(`${variant}: pushed ${to} (${pushed.uri.slice(pushed.uri.indexOf("@") + 1)})`);
  return pushed;
}

/**
 * Signs and pushes each publishable build of a build directory (best first, as `publishable`
 * orders them), each as the variant named for its target. The files are looked up in dir whatever
 * path the build was given.
 */
export async function pushBuilds(
  s: PushSettings,
  dir: string,
  targets: readonly TargetResult[],
): Promise<{ target: TargetResult; artifact: PushedFile }[]> {
  const published = [];
  for (const target of targets)
    published.push({ target, artifact: await pushVariant(s, join(dir, basename(target.file ?? "")), target.target) });
  return published;
}

/**
 * Pushes the evaluation data the build measured on (the copy model build keeps in dir), tagged
 * <version>-evaluation, so devices can score the variants on it; the evaluation with its uri. A
 * build directory without that copy, or with another file under its name, publishes no uri: the
 * variants then carry their accuracy without devices scoring it.
 */
export async function pushEvaluation(s: PushSettings, dir: string, evaluation: EvaluationData): Promise<EvaluationData & { uri?: string }> {
  const file = join(dir, basename(evaluation.dataset));
  const sha256 = existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex") : undefined;
  if (sha256 !== evaluation.sha256) {
    s.say(
      `evaluation data: ${file} ${sha256 ? "differs from what the build measured on" : "is missing"}; devices will not score the variants`,
    );
    return evaluation;
  }
  const to = `${s.to}:${s.version}-evaluation`;
  const pushed = await pushData(file, to, s.registry);
  s.say(`evaluation data: pushed ${to} (${pushed.uri.slice(pushed.uri.indexOf("@") + 1)})`);
  return { ...evaluation, uri: pushed.uri };
}
