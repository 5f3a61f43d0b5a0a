import { createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EdgeModel, keptVariants, measuredClasses, nextVersion, sourceAccuracy } from "@edgefleet/api";
import { command, optionsOrExitCode, readFlagFile } from "@edgefleet/kit";
import { KubeClient, KubeError, loadCredentials, objectPath, RESOURCES } from "@edgefleet/kube";
import { parse, stringify } from "yaml";
import { registryOf } from "../artifacts/registry-access.js";
import { REGISTRY_FLAGS, registryOptions } from "../artifacts/registry-flags.js";
import { checkPublication, measured, publishable } from "./edgemodel.js";
import { verifyKeptVariants } from "./kept-variants.js";
import { pushBuilds, pushEvaluation, pushVariant } from "./push.js";
import type { BuildResult } from "./result.js";
import { followRollout, measuredLine } from "./rollout-progress.js";

const say = (line: string) => console.error(`model publish: ${line}`);

export const PUBLISH = command({
  usage:
    "tools/edgefleet model publish --build DIR --edgemodel MODEL.yaml --version VERSION --to oci://REGISTRY/REPOSITORY --key KEY.pem [--out FILE]",
  about: `Publishes what tools/edgefleet model build wrote to DIR as a new version of an EdgeModel
(docs/model-builds.md): each written build a runtime of the default catalog serves is signed with
--key (edgefleet's v2 statement: namespace, model, variant, version, sha256) and pushed with its
signature as one OCI artifact, tagged VERSION-VARIANT under --to. The model's variants no build
replaces (a TensorRT engine, say) are kept: each is fetched and verified as a device would (size,
sha256, its signature for the current version by --verify-key), then signed for --version with --key
and pushed the same way; one that does not verify stops the publication before anything is pushed.
Prints (or writes to --out) the EdgeModel of --edgemodel at --version: one variant per build, best
first (openvino-int8 and -fp16 for the intel-npu and intel-gpu accelerators, tflite-int8 for
edgetpu, the ONNX builds for cpu), each naming its artifact by digest and its profile (p95 latency,
accuracy and the evaluation it was measured on: that data is pushed too, tagged VERSION-evaluation,
and named in profile.accuracy.evaluation.uri for devices to score), then the kept ones. --apply also applies it to the
cluster (server-side apply), and the rollout starts; with --wait the command follows it until it
ends, printing each step and what each hardware class's devices measured of the new version
(latency, and accuracy where they score the evaluation data), and exits 0 once it is promoted, 1
once it is rolled back or held (a CI job's gate on the fleet, not only on the build node).`,
  flags: {
    build: {
      type: "string",
      arg: "DIR",
      required: true,
      help: "the --out directory of tools/edgefleet model build (its build-result.json)",
    },
    edgemodel: {
      type: "string",
      arg: "MODEL.yaml",
      required: true,
      help: "the EdgeModel to publish a version of, as YAML (kubectl get edgemodel NAME -o yaml)",
    },
    version: { type: "string", arg: "VERSION", required: true, help: "the new spec.version, which the signatures name" },
    to: {
      type: "string",
      arg: "oci://REGISTRY/REPOSITORY",
      required: true,
      check: { must: "be oci://registry[:port]/repository, without a tag", test: /^oci:\/\/[^/]+\/[^:@]+$/ },
      help: "the repository to push to",
    },
    key: {
      type: "string",
      arg: "KEY.pem",
      required: true,
      help: "Ed25519 private key to sign with (tools/edgefleet artifacts sign --generate-key)",
    },
    "public-key-ref": {
      type: "string",
      arg: "SECRET/KEY",
      default: "edgefleet-model-signing/ed25519.pub",
      check: { must: "be SECRET/KEY", test: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[-._a-zA-Z0-9]+$/ },
      help: "the Secret and key holding the public key, when the model's first variant names none",
    },
    "verify-key": {
      type: "string",
      arg: "PUBLIC.pem",
      defaultText: "--key's public key",
      help: "the Ed25519 public key the kept variants' current signatures must verify with",
    },
    out: { type: "string", arg: "FILE", defaultText: "stdout", help: "where to write the new EdgeModel" },
    apply: { type: "switch", help: "apply the new EdgeModel to the cluster (server-side apply, field manager edgefleet-model-publish)" },
    kubeconfig: { type: "string", arg: "FILE", defaultText: "$KUBECONFIG, else ~/.kube/config", help: "the cluster --apply applies to" },
    wait: {
      type: "switch",
      help: "with --apply, follow the rollout of --version until it ends: exit 0 when promoted, 1 when rolled back or held",
    },
    "wait-timeout": {
      type: "duration",
      default: "1h",
      min: 1_000,
      help: "longest --wait follows the rollout; past it the command exits 1 (the rollout goes on)",
    },
    ...REGISTRY_FLAGS,
  },
});

/** The EdgeModel manifest, checked for what a new version needs; errors name the field. */
function readModel(file: string): EdgeModel {
  const model = parse(readFlagFile("edgemodel", file).toString("utf8")) as Partial<EdgeModel> | null;
  if (model?.kind !== "EdgeModel") throw new Error(`--edgemodel ${file}: kind must be EdgeModel, got ${JSON.stringify(model?.kind)}`);
  if (!model.metadata?.name) throw new Error(`--edgemodel ${file}: metadata.name is missing`);
  if (!model.metadata.namespace)
    throw new Error(`--edgemodel ${file}: metadata.namespace is missing; the signatures name it (v2 statements): add it`);
  if (!Array.isArray(model.spec?.variants)) throw new Error(`--edgemodel ${file}: spec.variants must be a list`);
  return model as EdgeModel;
}

export async function publish(argv: string[]): Promise<number> {
  const o = await optionsOrExitCode(PUBLISH.help, () => PUBLISH.parse(argv, (v) => v));
  if (typeof o === "number") return o;
  if (o.wait && !o.apply) throw new Error("--wait follows the rollout --apply starts: add --apply, or drop --wait");
  const model = readModel(o.edgemodel);
  const result = JSON.parse(readFlagFile("build", join(o.build, "build-result.json")).toString("utf8")) as BuildResult;
  const { targets, skipped } = publishable(result);
  checkPublication(model, o.version, { targets, skipped });
  for (const s of skipped) console.error(`model publish: not published: ${s}`);
  const privateKeyPem = readFlagFile("key", o.key).toString("utf8");
  const verifyKeyPem =
    o["verify-key"] === undefined
      ? createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString()
      : readFlagFile("verify-key", o["verify-key"]).toString("utf8");
  const registry = registryOptions(o);
  const { name = "", namespace = "" } = model.metadata ?? {};
  const scratch = mkdtempSync(join(tmpdir(), "edgefleet-model-publish-"));
  try {
    // Every kept variant verified before anything is pushed: a refusal leaves the registry as it was.
    const kept = keptVariants(model, new Set(targets.map((t) => t.target)));
    const verified = await verifyKeptVariants({
      model,
      variants: kept.map((variant) => ({
        variant,
        publicKeyPem: verifyKeyPem,
        ...(registry.registryAuth === undefined ? {} : { registryAuth: registry.registryAuth }),
      })),
      // --plain-http speaks plain HTTP to every registry: the kept variants' too.
      trust: {
        ...(registry.extraCa === undefined ? {} : { extraCa: registry.extraCa }),
        plainHttpRegistries: registry.plainHttp ? kept.map((v) => registryOf(v.artifact.uri)) : [],
      },
      scratch,
    });
    const settings = {
      to: o.to,
      namespace,
      model: name,
      version: o.version,
      privateKeyPem,
      registry,
      say,
    };
    const published = await pushBuilds(settings, o.build, targets);
    const evaluation = await pushEvaluation(settings, o.build, result.evaluation);
    const carried = [];
    for (const { variant, file } of verified) carried.push({ variant, artifact: await pushVariant(settings, file, variant.name) });
    const [secret = "", key = ""] = o["public-key-ref"].split("/");
    const builds = published.map(({ target, artifact }) => ({ build: measured(target), artifact }));
    const next = nextVersion(model, o.version, builds, evaluation, { name: secret, key }, carried);
    const text = stringify(next);
    if (o.out) writeFileSync(o.out, text);
    else process.stdout.write(text);
    if (!o.apply) return 0;
    const client = new KubeClient({ credentials: await loadCredentials(o.kubeconfig) });
    try {
      await apply(client, next);
      return o.wait ? await waitForRollout(client, next, sourceAccuracy(result.targets), o["wait-timeout"]) : 0;
    } finally {
      client.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Server-side apply of the new version; the API server's refusal (a schema error, RBAC) names what it refused. */
async function apply(client: KubeClient, model: EdgeModel): Promise<void> {
  const { name = "", namespace = "" } = model.metadata ?? {};
  try {
    await client.apply(RESOURCES.edgeModels, model, "edgefleet-model-publish");
    say(`applied EdgeModel ${namespace}/${name} version ${model.spec.version}`);
  } catch (err) {
    if (!(err instanceof KubeError)) throw err;
    const why = err.status === 0 ? "the API server did not answer" : `the API server refused it (${err.status} ${err.reason})`;
    throw new Error(
      `--apply: EdgeModel ${namespace}/${name} version ${model.spec.version} was not applied: ${why}: ${err.message}. The artifacts are pushed: fix this and apply the printed EdgeModel`,
    );
  }
}

/**
 * --wait: follows the rollout of the applied version, a line per step, then prints what each
 * hardware class's devices measured of it in the rollout's last analysis (against the source's
 * accuracy the build measured); 0 once promoted, 1 once rolled back or held.
 */
async function waitForRollout(client: KubeClient, model: EdgeModel, source: number | undefined, timeoutMs: number): Promise<number> {
  const { name = "", namespace = "" } = model.metadata ?? {};
  const version = model.spec.version;
  const ended = await followRollout(version, {
    read: () => client.request<EdgeModel>({ method: "GET", path: objectPath(RESOURCES.edgeModels, name, namespace) }),
    say: (line) => say(line.trim()),
    timeoutMs,
  });
  for (const c of measuredClasses(ended, source)) say(measuredLine(c));
  const rollout = ended.status?.rollout;
  say(`${rollout?.phase}: ${rollout?.reason}`);
  return rollout?.phase === "Promoted" ? 0 : 1;
}
