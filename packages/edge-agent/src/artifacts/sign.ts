#!/usr/bin/env -S node --import tsx
import { readFileSync, writeFileSync } from "node:fs";
import { command, errorMessage, optionsOrExitCode } from "@edgefleet/kit";
import { signFile, statementScope } from "./sign-file.js";
import { encodeEnvelope, generateSigningKey } from "./signature.js";

const CLI = command({
  usage: [
    "tools/edgefleet artifacts sign --key KEY.pem --model NAME --version VERSION [--namespace NS --variant VARIANT] [--out SIG] FILE",
    "tools/edgefleet artifacts sign --generate-key KEY.pem",
  ],
  about: `Signs a model file for one model version (docs/artifacts.md): writes the signature file (one line
of JSON: the statement {model, version, sha256}, with --namespace and --variant the scoped statement
{namespace, model, variant, version, sha256} a trust policy requires, and its Ed25519 signature) to
--out, or prints it.
Prints {"sha256", "sizeBytes"} for the EdgeModel's artifact on stderr.`,
  positionals: true,
  flags: {
    key: {
      type: "string",
      arg: "KEY.pem",
      help: "Ed25519 private key, PEM (PKCS#8), e.g. from --generate-key or openssl genpkey -algorithm ed25519",
    },
    model: { type: "string", arg: "NAME", help: "the EdgeModel's name (metadata.name)" },
    version: { type: "string", arg: "VERSION", help: "the EdgeModel's spec.version this file is a build of" },
    namespace: { type: "string", arg: "NS", nonEmpty: true, help: "the EdgeModel's namespace (with --variant: a v2, scoped statement)" },
    variant: { type: "string", arg: "VARIANT", nonEmpty: true, help: "the variant's name (with --namespace)" },
    out: { type: "string", arg: "SIG", defaultText: "stdout", help: "where to write the signature file" },
    "generate-key": {
      type: "string",
      arg: "KEY.pem",
      check: { must: "name a .pem file", test: /\.pem$/ },
      help: "write a new private key to KEY.pem and its public key to KEY.pub.pem",
    },
  },
});

type Task =
  | { generateKey: string }
  | {
      file: string;
      key: string;
      model: string;
      version: string;
      scope: { namespace: string; variant: string } | undefined;
      out: string | undefined;
    };

function parse(argv: string[]) {
  return CLI.parse(argv, (v, positionals): Task => {
    if (v["generate-key"] !== undefined) return { generateKey: v["generate-key"] };
    // Required unless --generate-key, so the table cannot say it.
    const need = (flag: "key" | "model" | "version"): string => {
      const value = v[flag];
      if (!value) throw new Error(`--${flag} is required`);
      return value;
    };
    const [key, model, version] = [need("key"), need("model"), need("version")];
    const [file, ...more] = positionals;
    if (file === undefined || more.length > 0) throw new Error(`give exactly one FILE to sign, got ${positionals.length}`);
    const scope = statementScope(v.namespace, v.variant);
    return { file, key, model, version, scope, out: v.out };
  });
}

async function main(argv: string[]): Promise<number> {
  const task = await optionsOrExitCode(CLI.help, () => parse(argv));
  if (typeof task === "number") return task;
  if ("generateKey" in task) {
    const { privateKeyPem, publicKeyPem } = generateSigningKey();
    writeFileSync(task.generateKey, privateKeyPem, { mode: 0o600, flag: "wx" });
    writeFileSync(task.generateKey.replace(/\.pem$/, ".pub.pem"), publicKeyPem, { flag: "wx" });
    return 0;
  }
  try {
    const { file, model, version, scope } = task;
    const signed = signFile({ file, model, version, ...scope, privateKeyPem: readFileSync(task.key, "utf8") });
    const text = encodeEnvelope(signed.envelope);
    if (task.out) writeFileSync(task.out, text);
    else process.stdout.write(text);
    console.error(JSON.stringify({ sha256: signed.sha256, sizeBytes: signed.sizeBytes }));
    return 0;
  } catch (err) {
    console.error(errorMessage(err));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
