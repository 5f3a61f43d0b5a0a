#!/usr/bin/env -S node --import tsx
import { readFileSync } from "node:fs";
import { encodeEnvelope, pushArtifact, signFile, statementScope } from "@edgefleet/edge-agent";
import { command, errorMessage, optionsOrExitCode } from "@edgefleet/kit";
import { stringify } from "yaml";
import { REGISTRY_FLAGS, registryOptions } from "./registry-flags.js";

const CLI = command({
  usage: [
    "tools/edgefleet artifacts push --to oci://REGISTRY/REPOSITORY:TAG --key KEY.pem --model NAME --version VERSION [--namespace NS --variant VARIANT] FILE",
    "tools/edgefleet artifacts push --to oci://REGISTRY/REPOSITORY:TAG --signature FILE.sig FILE",
  ],
  about: `Publishes a model file and its signature (docs/artifacts.md) as one OCI artifact in the layout
ORAS writes: artifactType application/vnd.edgefleet.model.v1, the empty config, a layer per file titled
with its name, the signature's of type application/vnd.edgefleet.model.signature.v1+json. Signs the
file with --key for --model and --version (with --namespace and --variant the scoped v2 statement a
trust policy requires by default), or pushes a signature file made before (--signature).
Prints the EdgeModel variant's artifact (uri by manifest digest, sha256, sizeBytes, signature) as YAML.
To sign without pushing: tools/edgefleet artifacts sign --help.`,
  positionals: true,
  flags: {
    to: {
      type: "string",
      arg: "oci://REGISTRY/REPOSITORY:TAG",
      required: true,
      check: { must: "be oci://registry[:port]/repository:tag", test: /^oci:\/\/[^/]+\/.+:[^/:@]+$/ },
      help: "where to push",
    },
    key: {
      type: "string",
      arg: "KEY.pem",
      section: "Signature",
      help: "Ed25519 private key to sign with (tools/edgefleet artifacts sign --generate-key)",
    },
    model: { type: "string", arg: "NAME", help: "with --key: the EdgeModel's name" },
    version: { type: "string", arg: "VERSION", help: "with --key: the EdgeModel's spec.version this file is a build of" },
    namespace: {
      type: "string",
      arg: "NS",
      nonEmpty: true,
      help: "with --key: the EdgeModel's namespace (with --variant: a v2, scoped statement, which a ModelTrustPolicy requires unless it sets allowUnscopedSignatures)",
    },
    variant: { type: "string", arg: "VARIANT", nonEmpty: true, help: "with --key: the variant's name (with --namespace)" },
    signature: { type: "string", arg: "FILE.sig", help: "a signature file made before, instead of --key" },
    "public-key-ref": {
      type: "string",
      arg: "SECRET/KEY",
      default: "edgefleet-model-signing/ed25519.pub",
      check: { must: "be SECRET/KEY", test: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[-._a-zA-Z0-9]+$/ },
      help: "the Secret and key holding the public key, for the printed artifact",
    },
    ...REGISTRY_FLAGS,
  },
});

interface Push {
  file: string;
  to: string;
  sign:
    | { key: string; model: string; version: string; scope: { namespace: string; variant: string } | undefined }
    | { signatureFile: string };
  publicKeyRef: { name: string; key: string };
  registry: ReturnType<typeof registryOptions>;
}

function parse(argv: string[]) {
  return CLI.parse(argv, (v, positionals): Push => {
    const [file, ...more] = positionals;
    if (file === undefined || more.length > 0) throw new Error(`give exactly one model FILE to push, got ${positionals.length}`);
    let sign: Push["sign"];
    if (v.signature !== undefined) {
      if (v.key !== undefined) throw new Error("give --key (sign now) or --signature (signed before), not both");
      if (v.namespace !== undefined || v.variant !== undefined)
        throw new Error("--namespace and --variant sign with --key; a --signature file was signed before with its own scope");
      sign = { signatureFile: v.signature };
    } else {
      if (!v.key || !v.model || !v.version)
        throw new Error("--key, --model and --version are required to sign the file (or give --signature FILE.sig)");
      sign = { key: v.key, model: v.model, version: v.version, scope: statementScope(v.namespace, v.variant) };
    }
    const [name = "", key = ""] = v["public-key-ref"].split("/");
    return { file, to: v.to, sign, publicKeyRef: { name, key }, registry: registryOptions(v) };
  });
}

async function push(task: Push): Promise<void> {
  const signature =
    "signatureFile" in task.sign
      ? readFileSync(task.sign.signatureFile)
      : Buffer.from(
          encodeEnvelope(
            signFile({
              file: task.file,
              model: task.sign.model,
              version: task.sign.version,
              ...task.sign.scope,
              privateKeyPem: readFileSync(task.sign.key, "utf8"),
            }).envelope,
          ),
        );
  const pushed = await pushArtifact({
    file: task.file,
    signature,
    to: task.to,
    ...task.registry,
  });
  // The signature layer is in the same artifact: the same reference, chosen by its media type.
  const artifact = {
    uri: pushed.uri,
    sha256: pushed.sha256,
    sizeBytes: pushed.sizeBytes,
    signature: { uri: pushed.uri, publicKeyRef: task.publicKeyRef },
  };
  process.stdout.write(`# ${task.to} is ${pushed.digest}\n${stringify({ artifact })}`);
}

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "push") {
    const usage = "usage: tools/edgefleet artifacts push ... | sign ... (each with --help)";
    if (sub === "-h" || sub === "--help") {
      console.log(usage);
      return 0;
    }
    console.error(`${usage}; got ${JSON.stringify(sub ?? "nothing")}`);
    return 2;
  }
  const task = await optionsOrExitCode(CLI.help, () => parse(rest));
  if (typeof task === "number") return task;
  try {
    await push(task);
    return 0;
  } catch (err) {
    console.error(`artifacts push: ${errorMessage(err)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
