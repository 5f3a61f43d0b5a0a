import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILD_INPUTS,
  BUILD_REQUEST_ENV,
  type BuildInput,
  type BuildRequest,
  type BuildSummary,
  CARRIED_DIR,
  carriedKeyPath,
  carriedPullPath,
  type EdgeModel,
  type EdgeModelBuildPublish,
  encodeBuildSummary,
  keptVariants,
  type ModelVariant,
  type PublishSummary,
  pullAuthFlag,
} from "@edgefleet/api";
import { ArtifactCache, type ArtifactSpec, Installer, registryCredentials } from "@edgefleet/edge-agent";
import { command, errorMessage, optionsOrExitCode, readFlagFile } from "@edgefleet/kit";
import { installFetchers, type PlatformTrust, platformTrust, pushAccess } from "../artifacts/registry-access.js";
import { publishable } from "./edgemodel.js";
import { type KeptVariant, verifyKeptVariants } from "./kept-variants.js";
import { pushBuilds, pushVariant } from "./push.js";
import { checkTools } from "./python.js";
import type { BuildResult } from "./result.js";

/** --source-pull-auth, --calibration-pull-auth, --evaluation-pull-auth: each input's registry credentials. */
function pullAuthFlags() {
  const flag = (input: BuildInput) => ({
    type: "string" as const,
    arg: "CONFIG.json",
    help: `docker config JSON with credentials to pull spec.${input}.uri (mounted from spec.${input}.pullSecretRef)`,
  });
  return Object.fromEntries(BUILD_INPUTS.map((input) => [pullAuthFlag(input), flag(input)])) as Record<
    `${BuildInput}-pull-auth`,
    ReturnType<typeof flag>
  >;
}

export const JOB = command({
  usage:
    "tools/edgefleet model job --work DIR --summary FILE [--source-public-key KEY.pem] [--signing-key KEY.pem [--push-auth CONFIG.json] [--carried DIR]] [--INPUT-pull-auth CONFIG.json]",
  about: `Runs one EdgeModelBuild, as the operator's build Job does (docs/model-builds.md): reads the
build from $${BUILD_REQUEST_ENV} (JSON: namespace, name, spec), fetches the source model (its size,
sha256 and signature checked as a device checks them) and the calibration and evaluation data
(size and sha256), runs tools/edgefleet model build on them, and writes a compact summary of each
target's measurements and verdict to --summary, the container's termination message, which the
operator copies into the build's status. With spec.publish, each built target a runtime serves is
then signed with --signing-key and pushed to spec.publish.to exactly as tools/edgefleet model
publish does, and the summary lists each pushed artifact (target, manifest digest, sha256, size);
the operator applies the EdgeModel's new version. The EdgeModel's variants no pushed build replaces
(the request's carry, as the operator saw the EdgeModel when it created the Job) are carried: each
verified as its current version's with its own publicKeyRef, before anything is pushed, then signed
for the new version and pushed again; the summary lists their manifest digests. A refused target is a result, not a failure: the
command exits 1 only when the build could not run, with the reason as the summary.`,
  flags: {
    work: { type: "string", arg: "DIR", required: true, help: "where the inputs, scratch files and builds go" },
    summary: { type: "string", arg: "FILE", required: true, help: "where the summary goes (the termination message path)" },
    "source-public-key": {
      type: "string",
      arg: "KEY.pem",
      help: "the public key that verifies spec.source.signature (mounted from its publicKeyRef Secret)",
    },
    "signing-key": {
      type: "string",
      arg: "KEY.pem",
      help: "with spec.publish: the Ed25519 private key to sign the builds with (mounted from spec.publish.signingKeyRef)",
    },
    "push-auth": {
      type: "string",
      arg: "CONFIG.json",
      help: "with spec.publish: docker config JSON with credentials for spec.publish.to (mounted from spec.publish.registryAuthRef)",
    },
    carried: {
      type: "string",
      arg: "DIR",
      help: `with spec.publish: the Secrets of the EdgeModel's variants to carry (their publicKeyRef and pullSecretRef, mounted at ${CARRIED_DIR})`,
    },
    ...pullAuthFlags(),
  },
});

/** What build-result.json holds, as the operator's status takes it: within the termination message's 4 KiB. */
export function summaryOf(r: BuildResult): Extract<BuildSummary, { targets: unknown }> {
  return {
    tools: `onnxruntime ${r.onnxruntime}${r.openvino ? `, openvino ${r.openvino}` : ""}`,
    calibrationSamples: r.calibrationSamples,
    evaluationSamples: r.targets[0]?.evaluationSamples ?? 0,
    targets: r.targets.map((t) => ({
      target: t.target,
      verdict: t.verdict === "written" ? "Built" : "Refused",
      sizeBytes: t.sizeBytes,
      sizeRatio: t.sizeRatio,
      accuracyPercent: t.accuracyPercent,
      accuracyDropPoints: t.accuracyDropPoints,
      p50LatencySeconds: t.latencyMs.p50 / 1000,
      p95LatencySeconds: t.latencyMs.p95 / 1000,
    })),
  };
}

function request(env: NodeJS.ProcessEnv): BuildRequest {
  const text = env[BUILD_REQUEST_ENV];
  if (!text) throw new Error(`$${BUILD_REQUEST_ENV} is not set: the build Job passes the build there`);
  const r = JSON.parse(text) as BuildRequest;
  if (!r.namespace || !r.name || !r.spec?.source || !r.spec.evaluation || !r.spec.targets?.length)
    throw new Error(`$${BUILD_REQUEST_ENV} needs namespace, name and spec (source, evaluation, targets)`);
  return r;
}

/** Lines of the build's stderr that are not progress ("model build: ..."), the last kept: why it failed. */
const KEPT_ERROR_LINES = 3;
const MAX_ERROR_LINE = 600;

/**
 * The build CLI, as a child process: its table and progress go to this pod's log. It is the program
 * this one runs (tools/src/model-build/cli.ts under tsx in a checkout, the image's bundle of it).
 * Resolves its exit code and its last lines of stderr that are not progress: what it said when it failed.
 */
function runBuild(args: string[]): Promise<{ code: number; errors: string[] }> {
  const self = [...process.execArgv, process.argv[1] ?? ""];
  const child = spawn(process.execPath, [...self, "build", ...args], { stdio: ["ignore", "inherit", "pipe"] });
  const errors: string[] = [];
  let partial = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    process.stderr.write(chunk);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim() || line.startsWith("model build: ")) continue;
      errors.push(line.length > MAX_ERROR_LINE ? `${line.slice(0, MAX_ERROR_LINE)}…` : line);
      if (errors.length > KEPT_ERROR_LINES) errors.shift();
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, errors }));
  });
}

type JobOptions = {
  work: string;
  carried: string | undefined;
  "source-public-key": string | undefined;
  "signing-key": string | undefined;
  "push-auth": string | undefined;
} & Record<`${BuildInput}-pull-auth`, string | undefined>;

/** A key of a Secret the build Job mounts (field names it in the spec), read from the file its flag names. */
function secretFile(file: string | undefined, flag: string, field: string, secret: string, key: string): string {
  // The volumes are optional: a Secret or key that does not exist leaves the file out, and the reason is worded here.
  if (!file) throw new Error(`${field} is set but no --${flag} was given (the build Job mounts it)`);
  if (!existsSync(file))
    throw new Error(
      `${field}: Secret ${secret} has no key ${key}, or does not exist in the build's namespace: create it, then change the build's spec to run it again`,
    );
  return readFileSync(file, "utf8");
}

/** Each input's registry credentials (its pullSecretRef), read before fetching anything; checked as docker config JSON. */
function pullInputs(o: JobOptions, spec: BuildRequest["spec"]): Partial<Record<BuildInput, string>> {
  const auths: Partial<Record<BuildInput, string>> = {};
  for (const input of BUILD_INPUTS) {
    const ref = spec[input]?.pullSecretRef;
    if (!ref) continue;
    const field = `spec.${input}.pullSecretRef`;
    const auth = secretFile(o[pullAuthFlag(input)], pullAuthFlag(input), field, ref.name, ".dockerconfigjson");
    registryCredentials(auth, "", field);
    auths[input] = auth;
  }
  return auths;
}

/** What spec.publish needs from the pod's Secret volumes, read before building: a missing Secret fails in seconds, not after the build. */
function publishInputs(o: JobOptions, publish: EdgeModelBuildPublish, trust: PlatformTrust) {
  const { signingKeyRef: keyRef, registryAuthRef: authRef } = publish;
  const privateKeyPem = secretFile(o["signing-key"], "signing-key", "spec.publish.signingKeyRef", keyRef.name, keyRef.key);
  const registryAuth = authRef
    ? secretFile(o["push-auth"], "push-auth", "spec.publish.registryAuthRef", authRef.name, ".dockerconfigjson")
    : undefined;
  return { privateKeyPem, registry: pushAccess(publish.to, trust, registryAuth) };
}

/**
 * The variants to carry (the request's carry less what is pushed), each with its public key and
 * registry credentials from the files the Job mounts under --carried; throws naming the variant and
 * the Secret that is missing.
 */
function carriedInputs(r: BuildRequest, model: EdgeModel, pushed: ReadonlySet<string>, dir: string | undefined): KeptVariant[] {
  const file = (variant: ModelVariant, field: string, path: string, secret: string, key: string) => {
    if (!dir)
      throw new Error(`variant ${variant.name}: ${field}: no --carried was given (the build Job mounts the variants' Secrets there)`);
    const at = join(dir, path);
    if (!existsSync(at))
      throw new Error(
        `variant ${variant.name}: ${field}: Secret ${secret} has no key ${key}, or does not exist in namespace ${r.namespace}: create it, then change the build's spec to run it again`,
      );
    return readFileSync(at, "utf8");
  };
  return keptVariants(model, pushed).map((variant) => {
    const { signature, pullSecretRef } = variant.artifact;
    if (!signature) return { variant, publicKeyPem: "" }; // verifyKeptVariants refuses it, naming it
    const key = signature.publicKeyRef;
    const publicKeyPem = file(variant, "artifact.signature.publicKeyRef", carriedKeyPath(key), key.name, key.key);
    if (!pullSecretRef) return { variant, publicKeyPem };
    const field = "artifact.pullSecretRef";
    const registryAuth = file(variant, field, carriedPullPath(pullSecretRef), pullSecretRef.name, ".dockerconfigjson");
    registryCredentials(registryAuth, "", `variant ${variant.name}: ${field}`);
    return { variant, publicKeyPem, registryAuth };
  });
}

/** Signs and pushes the publishable builds, and carries the variants no build replaces, as model publish does; what went wrong is the summary's publish error, the measurements stay. */
async function publishBuilds(
  o: JobOptions,
  r: BuildRequest,
  publish: EdgeModelBuildPublish,
  inputs: ReturnType<typeof publishInputs>,
  trust: PlatformTrust,
  out: string,
  result: BuildResult,
): Promise<PublishSummary> {
  const { targets } = publishable(result);
  if (targets.length === 0) return { error: "no built target passed the accuracy gate that a runtime serves: nothing was pushed" };
  const settings = {
    to: publish.to,
    namespace: r.namespace,
    model: publish.edgeModel ?? r.spec.model,
    version: r.spec.version,
    ...inputs,
    say: (line: string) => console.error(`model job: ${line}`),
  };
  let kept: Awaited<ReturnType<typeof verifyKeptVariants>> = [];
  if (r.carry) {
    // The EdgeModel as the operator saw it: what the kept signatures name (namespace, model, its version).
    const model = {
      metadata: { namespace: r.namespace, name: settings.model },
      spec: { version: r.carry.version, variants: r.carry.variants },
    } as EdgeModel;
    // Every kept variant verified before anything is pushed: a refusal leaves the registry as it was.
    try {
      const variants = carriedInputs(r, model, new Set(targets.map((t) => t.target)), o.carried);
      // The push credentials are for spec.publish.to only; each carried variant brings its own.
      kept = await verifyKeptVariants({ model, variants, trust, scratch: join(o.work, "carried") });
    } catch (err) {
      return { error: `carrying the EdgeModel's variants: ${errorMessage(err)}`, carry: true };
    }
  }
  try {
    const pushed = await pushBuilds(settings, out, targets);
    const k: string[] = [];
    for (const { variant, file } of kept) k.push(digestOf((await pushVariant(settings, file, variant.name)).uri));
    return {
      pushed: pushed.map(({ target, artifact }) => ({
        t: target.target,
        d: digestOf(artifact.uri),
        s: artifact.sha256,
        b: artifact.sizeBytes,
      })),
      ...(k.length ? { k } : {}),
    };
  } catch (err) {
    return { error: `push to ${publish.to} failed: ${errorMessage(err)}` };
  }
}

/** The manifest digest's hex of an oci://…@sha256:HEX reference. */
const digestOf = (uri: string) => uri.slice(uri.lastIndexOf("@sha256:") + 8);

async function run(o: JobOptions, r: BuildRequest): Promise<BuildSummary> {
  const { spec } = r;
  // Before anything is fetched: a target this image cannot build fails the build in a second.
  await checkTools(spec.targets);
  const trust = platformTrust(process.env);
  const publishing = spec.publish ? publishInputs(o, spec.publish, trust) : undefined;
  const pullAuths = pullInputs(o, spec);
  const cache = ArtifactCache.open({ root: join(o.work, "cache") });
  // The platform's CA bundle is trusted beside the public roots, as the runtime pods' install does;
  // an input's registry credentials are used for that input only.
  const installer = (what: BuildInput) => {
    return new Installer({ cache, requireSignature: false, fetchers: installFetchers(trust, pullAuths[what]) });
  };
  const inputs = join(o.work, "inputs");
  mkdirSync(inputs, { recursive: true });
  // Each input checked like a device checks a model file, then named as the build names its outputs.
  const fetch = async (what: BuildInput, model: string, artifact: ArtifactSpec, file: string): Promise<string> => {
    const outcome = await installer(what).install({ namespace: r.namespace, model, version: spec.version, artifact });
    if (!outcome.installed) throw new Error(`spec.${what} (${artifact.uri}): ${outcome.refusal.reason}: ${outcome.refusal.message}`);
    const path = join(inputs, file);
    copyFileSync(cache.blobPath(artifact.sha256), path);
    return path;
  };
  const signature = spec.source.signature;
  const key = o["source-public-key"];
  if (signature && !key) throw new Error("spec.source.signature is set but no --source-public-key was given to verify it");
  const { uri, sha256, sizeBytes } = spec.source;
  const source = await fetch(
    "source",
    spec.model,
    {
      uri,
      sha256,
      sizeBytes,
      ...(signature && key
        ? { signature: { uri: signature.uri, publicKeyPem: readFlagFile("source-public-key", key).toString("utf8") } }
        : {}),
    },
    `${spec.model}.onnx`,
  );
  const evaluation = await fetch("evaluation", `${spec.model}-evaluation`, spec.evaluation, `${spec.model}-evaluation.npz`);
  // The build CLI always takes calibration data; without calibrated targets it is never used.
  const calibration = spec.calibration
    ? await fetch("calibration", `${spec.model}-calibration`, spec.calibration, `${spec.model}-calibration.npz`)
    : evaluation;
  const out = join(o.work, "builds");
  const { code, errors } = await runBuild([
    ...["--model", source, "--calibration", calibration, "--evaluation", evaluation, "--out", out],
    ...["--targets", spec.targets.join(","), "--max-accuracy-drop", String(spec.maxAccuracyDropPoints ?? 1)],
  ]);
  // 1 with a result is a refused target, which the result names; without one the build failed.
  const resultFile = join(out, "build-result.json");
  if (code !== 0 && !(code === 1 && existsSync(resultFile)))
    throw new Error(`tools/edgefleet model build exited with ${code}: ${errors.join(" ") || "see the pod's log"}`);
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as BuildResult;
  const summary = summaryOf(result);
  if (!spec.publish || !publishing) return summary;
  return { ...summary, publish: await publishBuilds(o, r, spec.publish, publishing, trust, out, result) };
}

export async function job(argv: string[]): Promise<number> {
  const o = await optionsOrExitCode(JOB.help, () => JOB.parse(argv, (v) => v));
  if (typeof o === "number") return o;
  let summary: BuildSummary;
  let code = 0;
  // A pending promise does not keep Node running, and the downloads' retry sleeps are unref'd
  // (see the edge agent's install-cli.ts): without this timer the job would exit mid-retry.
  const running = setInterval(() => {}, 60_000);
  try {
    summary = await run(o, request(process.env));
  } catch (err) {
    summary = { error: errorMessage(err) };
    code = 1;
  } finally {
    clearInterval(running);
  }
  writeFileSync(o.summary, encodeBuildSummary(summary));
  if ("error" in summary) console.error(`model job: ${summary.error}`);
  return code;
}
