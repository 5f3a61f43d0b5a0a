import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDuration } from "../agent/options.js";
import { DEFAULT_CACHE_MAX_BYTES } from "./cache.js";
import type { ArtifactSpec } from "./installer.js";

export const DEFAULT_CACHE_DIR = "/var/lib/edgefleet/artifacts";

export const INSTALL_HELP = `Usage: node --import tsx packages/edge-agent/src/artifacts/install-cli.ts [options]

Installs one model version's artifact into the node's artifact cache and verifies it (signature,
size, SHA-256; docs/artifacts.md). Exits 0 once the blob is verified and active, 1 with a JSON log
line naming the refusal reason otherwise, 2 on bad flags. Run as the verify-artifact init container
of every runtime pod: each flag defaults from the operator's environment (in brackets), so the pod
needs no arguments. Installs on one node take turns through a lock file in the cache directory.

Artifact:
  --model NS/NAME          the EdgeModel [EDGEFLEET_MODEL]
  --version VERSION        its spec.version [EDGEFLEET_MODEL_VERSION]
  --uri URI                https:// or file:// artifact [EDGEFLEET_ARTIFACT_URI]
  --sha256 HEX             the artifact's SHA-256 [EDGEFLEET_ARTIFACT_SHA256]
  --size-bytes N           the artifact's size [EDGEFLEET_ARTIFACT_SIZE_BYTES]
  --signature-uri URI      the signature file [EDGEFLEET_SIGNATURE_URI]
  --public-key-file FILE   Ed25519 public key, PEM (default: the PEM in EDGEFLEET_SIGNATURE_PUBLIC_KEY)
  --allow-unsigned         accept an artifact without a signature (local experiments only)
Cache:
  --cache-dir DIR          the node's artifact cache (default: ${DEFAULT_CACHE_DIR})
  --cache-max-bytes N      bound on the cache's blobs (default: ${DEFAULT_CACHE_MAX_BYTES})
  --lock-timeout DUR       longest wait for another install on the node (default: 15m)
Downloads:
  --ca-file FILE           PEM certificates trusted for https:// instead of the system roots
  -h, --help               this help

Durations are a number with ms, s or m (e.g. 500ms, 1s, 2m).`;

export interface InstallOptions {
  namespace: string;
  model: string;
  version: string;
  artifact: ArtifactSpec;
  requireSignature: boolean;
  cacheDir: string;
  cacheMaxBytes: number;
  lockTimeoutMs: number;
  ca: string | undefined;
}

export type ParsedInstallArgs = { help: true } | { help: false; options: InstallOptions };

/** A flag's value, else its environment variable; an empty variable counts as unset. */
function pick(flag: string, value: string | undefined, envName: string, env: NodeJS.ProcessEnv): string | undefined {
  if (value !== undefined) {
    if (value === "") throw new Error(`--${flag} must not be empty`);
    return value;
  }
  return fromEnv(envName, env);
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function required(flag: string, value: string | undefined, envName: string, env: NodeJS.ProcessEnv): string {
  const v = pick(flag, value, envName, env);
  if (v === undefined) throw new Error(`--${flag} is required (or set ${envName})`);
  return v;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

function readFile(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`--${flag} cannot be read: ${(err as Error).message}`);
  }
}

export function parseInstallOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedInstallArgs {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      model: { type: "string" },
      version: { type: "string" },
      uri: { type: "string" },
      sha256: { type: "string" },
      "size-bytes": { type: "string" },
      "signature-uri": { type: "string" },
      "public-key-file": { type: "string" },
      "allow-unsigned": { type: "boolean", default: false },
      "cache-dir": { type: "string", default: DEFAULT_CACHE_DIR },
      "cache-max-bytes": { type: "string", default: String(DEFAULT_CACHE_MAX_BYTES) },
      "lock-timeout": { type: "string", default: "15m" },
      "ca-file": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return { help: true };
  const qualified = required("model", v.model, "EDGEFLEET_MODEL", env);
  const [namespace, model, ...rest] = qualified.split("/");
  if (!namespace || !model || rest.length) throw new Error(`--model must be NAMESPACE/NAME (EDGEFLEET_MODEL), got "${qualified}"`);
  const sha256 = required("sha256", v.sha256, "EDGEFLEET_ARTIFACT_SHA256", env);
  if (!/^[a-f0-9]{64}$/.test(sha256)) throw new Error(`--sha256 must be 64 lowercase hex characters, got "${sha256}"`);
  const signatureUri = pick("signature-uri", v["signature-uri"], "EDGEFLEET_SIGNATURE_URI", env);
  const publicKeyPem =
    v["public-key-file"] !== undefined ? readFile("public-key-file", v["public-key-file"]) : fromEnv("EDGEFLEET_SIGNATURE_PUBLIC_KEY", env);
  if (signatureUri !== undefined && publicKeyPem === undefined)
    throw new Error("--signature-uri needs the public key: --public-key-file or EDGEFLEET_SIGNATURE_PUBLIC_KEY");
  if (signatureUri === undefined && publicKeyPem !== undefined)
    throw new Error("a public key was given without --signature-uri (EDGEFLEET_SIGNATURE_URI)");
  const artifact: ArtifactSpec = {
    uri: required("uri", v.uri, "EDGEFLEET_ARTIFACT_URI", env),
    sha256,
    sizeBytes: positive("size-bytes", required("size-bytes", v["size-bytes"], "EDGEFLEET_ARTIFACT_SIZE_BYTES", env)),
    ...(signatureUri !== undefined && publicKeyPem !== undefined ? { signature: { uri: signatureUri, publicKeyPem } } : {}),
  };
  return {
    help: false,
    options: {
      namespace,
      model,
      version: required("version", v.version, "EDGEFLEET_MODEL_VERSION", env),
      artifact,
      requireSignature: !v["allow-unsigned"],
      cacheDir: v["cache-dir"],
      cacheMaxBytes: positive("cache-max-bytes", v["cache-max-bytes"]),
      lockTimeoutMs: parseDuration("lock-timeout", v["lock-timeout"]),
      ca: v["ca-file"] === undefined ? undefined : readFile("ca-file", v["ca-file"]),
    },
  };
}
