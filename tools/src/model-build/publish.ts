import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import { encodeEnvelope, pushArtifact, signFile } from "@edgefleet/edge-agent";
import { command, optionsOrExitCode, readFlagFile } from "@edgefleet/kit";
import { parse, stringify } from "yaml";
import { REGISTRY_FLAGS, registryOptions } from "../artifacts/registry-flags.js";
import { checkPublication, nextVersion, publishable } from "./edgemodel.js";
import type { BuildResult } from "./result.js";

export const PUBLISH = command({
  usage:
    "tools/edgefleet model publish --build DIR --edgemodel MODEL.yaml --version VERSION --to oci://REGISTRY/REPOSITORY --key KEY.pem [--out FILE]",
  about: `Publishes what tools/edgefleet model build wrote to DIR as a new version of an EdgeModel
(docs/model-builds.md): each written build a runtime of the default catalog serves is signed with
--key (edgefleet's v2 statement: namespace, model, variant, version, sha256) and pushed with its
signature as one OCI artifact, tagged VERSION-VARIANT under --to. Prints (or writes to --out) the
EdgeModel of --edgemodel at --version with one variant per build, best first (openvino-int8 and
-fp16 for the intel-npu and intel-gpu accelerators, the ONNX builds for cpu), each naming its
artifact by digest and its profile (p95 latency, accuracy and the evaluation it was measured on).
Apply it with kubectl apply -f, and the rollout starts.`,
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
    out: { type: "string", arg: "FILE", defaultText: "stdout", help: "where to write the new EdgeModel" },
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
  const model = readModel(o.edgemodel);
  const result = JSON.parse(readFlagFile("build", join(o.build, "build-result.json")).toString("utf8")) as BuildResult;
  const { targets, skipped } = publishable(result);
  checkPublication(model, o.version, { targets, skipped });
  for (const s of skipped) console.error(`model publish: not published: ${s}`);
  const privateKeyPem = readFlagFile("key", o.key).toString("utf8");
  const registry = registryOptions(o);
  const { name = "", namespace = "" } = model.metadata ?? {};
  const published = [];
  for (const target of targets) {
    // The build's files are in DIR whatever path the build was given.
    const file = join(o.build, basename(target.file ?? ""));
    const signed = signFile({ file, model: name, version: o.version, namespace, variant: target.target, privateKeyPem });
    const to = `${o.to}:${o.version}-${target.target}`;
    const pushed = await pushArtifact({ file, signature: Buffer.from(encodeEnvelope(signed.envelope)), to, ...registry });
    console.error(`model publish: ${target.target}: pushed ${to} (${pushed.digest})`);
    // The signature is a layer of the same artifact: the same reference, chosen by its media type.
    published.push({ target, artifact: { uri: pushed.uri, sha256: pushed.sha256, sizeBytes: pushed.sizeBytes, signatureUri: pushed.uri } });
  }
  const [secret = "", key = ""] = o["public-key-ref"].split("/");
  const text = stringify(nextVersion(model, o.version, published, result.evaluation, { name: secret, key }));
  if (o.out) writeFileSync(o.out, text);
  else process.stdout.write(text);
  return 0;
}
