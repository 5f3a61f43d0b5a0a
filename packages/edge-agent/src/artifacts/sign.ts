#!/usr/bin/env -S node --import tsx
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { signFile } from "./sign-file.js";
import { encodeEnvelope, generateSigningKey } from "./signature.js";

const HELP = `Usage: node --import tsx packages/edge-agent/src/artifacts/sign.ts --key KEY.pem --model NAME --version VERSION [--out SIG] FILE
       node --import tsx packages/edge-agent/src/artifacts/sign.ts --generate-key KEY.pem

Signs a model file for one model version (docs/artifacts.md): writes the signature file (one line
of JSON: the statement {model, version, sha256} and its Ed25519 signature) to --out, or prints it.
Prints {"sha256", "sizeBytes"} for the EdgeModel's artifact on stderr.

Options:
  --key KEY.pem            Ed25519 private key, PEM (PKCS#8), e.g. from --generate-key or
                           openssl genpkey -algorithm ed25519
  --model NAME             the EdgeModel's name (metadata.name)
  --version VERSION        the EdgeModel's spec.version this file is a build of
  --out SIG                where to write the signature file (default: stdout)
  --generate-key KEY.pem   write a new private key to KEY.pem and its public key to KEY.pub.pem
  -h, --help               this help`;

const OPTIONS = {
  key: { type: "string" },
  model: { type: "string" },
  version: { type: "string" },
  out: { type: "string" },
  "generate-key": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function usage(message: string): number {
  console.error(`${message}\n\n${HELP}`);
  return 2;
}

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const keyOut = values["generate-key"];
  if (keyOut !== undefined) {
    if (!keyOut.endsWith(".pem")) return usage(`--generate-key must name a .pem file, got ${JSON.stringify(keyOut)}`);
    const { privateKeyPem, publicKeyPem } = generateSigningKey();
    writeFileSync(keyOut, privateKeyPem, { mode: 0o600, flag: "wx" });
    writeFileSync(keyOut.replace(/\.pem$/, ".pub.pem"), publicKeyPem, { flag: "wx" });
    return 0;
  }
  for (const flag of ["key", "model", "version"] as const) {
    if (!values[flag]) return usage(`--${flag} is required`);
  }
  if (positionals.length !== 1) return usage(`give exactly one FILE to sign, got ${positionals.length}`);
  try {
    const signed = signFile({
      file: positionals[0] as string,
      model: values.model as string,
      version: values.version as string,
      privateKeyPem: readFileSync(values.key as string, "utf8"),
    });
    const text = encodeEnvelope(signed.envelope);
    if (values.out) writeFileSync(values.out, text);
    else process.stdout.write(text);
    console.error(JSON.stringify({ sha256: signed.sha256, sizeBytes: signed.sizeBytes }));
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
