import {
  ARTIFACT_CA_BUNDLE_ENV,
  MAX_ARTIFACT_BYTES_ENV,
  MAX_ARTIFACT_BYTES_POLICY_ENV,
  MODEL_REPOSITORY_LAYOUTS,
  type ModelRepositoryLayout,
  PLAIN_HTTP_REGISTRIES_ENV,
  REGISTRY_AUTH_FILE_ENV,
  registryList,
  SIGNATURE_PUBLIC_KEYS_ENV,
  SIGNATURE_SCOPED_ONLY_ENV,
} from "@edgefleet/api";
import { certificateBundle, command, type Parsed, readFlagFile } from "@edgefleet/kit";
import { EVALUATION_ENV } from "@edgefleet/telemetry";
import { DEFAULT_EVALUATION_MAX_BYTES } from "../inference/evaluation.js";
import { DEFAULT_CACHE_MAX_BYTES } from "./cache.js";
import type { FetcherOptions } from "./fetchers.js";
import type { ArtifactSpec, InstallRequest } from "./installer.js";
import { registryCredentials } from "./oci-auth.js";

export const DEFAULT_CACHE_DIR = "/var/lib/edgefleet/artifacts";

const CLI = command({
  usage: "node --import tsx packages/edge-agent/src/artifacts/install-cli.ts [options]",
  about: `Installs one model version's artifact into the node's artifact cache and verifies it (signature,
size, SHA-256; docs/artifacts.md). Exits 0 once the blob is verified and active, 1 with a JSON log
line naming the refusal reason otherwise, 2 on bad flags. Run as the verify-artifact init container
of every runtime pod: each flag defaults from the operator's environment (env: below), so the pod
needs no arguments. Installs of one digest on a node take turns through a lock file in the cache
directory; installs of different digests run side by side. The variant's evaluation data, when
named, is then stored in the cache too, for the node's agent to score the runtime on; failing to
fetch or verify it is logged and leaves the exit code 0.`,
  flags: {
    model: {
      type: "string",
      arg: "NS/NAME",
      required: true,
      env: "EDGEFLEET_MODEL",
      check: { must: "be NAMESPACE/NAME", test: /^[^/]+\/[^/]+$/ },
      section: "Artifact",
      help: "the EdgeModel",
    },
    version: { type: "string", arg: "VERSION", required: true, env: "EDGEFLEET_MODEL_VERSION", help: "its spec.version" },
    variant: {
      type: "string",
      arg: "NAME",
      nonEmpty: true,
      env: "EDGEFLEET_VARIANT",
      help: "the variant, checked against an edgefleet v2 statement's",
    },
    uri: { type: "string", arg: "URI", required: true, env: "EDGEFLEET_ARTIFACT_URI", help: "https://, oci:// or file:// artifact" },
    sha256: {
      type: "string",
      arg: "HEX",
      required: true,
      env: "EDGEFLEET_ARTIFACT_SHA256",
      check: { must: "be 64 lowercase hex characters", test: /^[a-f0-9]{64}$/ },
      help: "the artifact's SHA-256",
    },
    "size-bytes": { type: "integer", required: true, env: "EDGEFLEET_ARTIFACT_SIZE_BYTES", help: "the artifact's size" },
    "max-artifact-bytes": {
      type: "integer",
      env: MAX_ARTIFACT_BYTES_ENV,
      help: `refuse a larger --size-bytes before fetching anything: a ModelTrustPolicy's maxArtifactBytes, named by ${MAX_ARTIFACT_BYTES_POLICY_ENV} (no bound but --cache-max-bytes by default)`,
    },
    "signature-uri": {
      type: "string",
      arg: "URI",
      nonEmpty: true,
      env: "EDGEFLEET_SIGNATURE_URI",
      help: "the signature file: edgefleet's, cosign's, or a Sigstore / model-signing bundle",
    },
    "public-key-file": {
      type: "string",
      arg: "FILE",
      defaultText: `the PEMs in ${SIGNATURE_PUBLIC_KEYS_ENV} (a trust policy's keys), else the PEM in EDGEFLEET_SIGNATURE_PUBLIC_KEY`,
      help: "the model's public key, PEM: Ed25519 for an edgefleet signature file, ECDSA or RSA for cosign and Sigstore bundles; several concatenated PEM keys accept a signature by any of them",
    },
    "scoped-signatures-only": {
      type: "boolean",
      default: "false",
      env: SIGNATURE_SCOPED_ONLY_ENV,
      help: "accept only edgefleet v2 statements, which name namespace and variant (a trust policy's default)",
    },
    "allow-unsigned": { type: "switch", help: "accept an artifact without a signature (local experiments only)" },
    "evaluation-uri": {
      type: "string",
      arg: "URI",
      nonEmpty: true,
      env: EVALUATION_ENV.uri,
      section: "Evaluation data",
      help: "the variant's labelled evaluation data (profile.accuracy.evaluation.uri), fetched like the artifact once it is active and stored in the cache for the node's agent; a failure is logged and does not fail the install",
    },
    "evaluation-sha256": {
      type: "string",
      arg: "HEX",
      env: EVALUATION_ENV.sha256,
      check: { must: "be 64 lowercase hex characters", test: /^[a-f0-9]{64}$/ },
      help: "its SHA-256; data with another digest is not stored",
    },
    "evaluation-max-bytes": {
      type: "integer",
      arg: "BYTES",
      default: String(DEFAULT_EVALUATION_MAX_BYTES),
      help: "largest evaluation data file fetched",
    },
    "cache-dir": { type: "string", arg: "DIR", default: DEFAULT_CACHE_DIR, section: "Cache", help: "the node's artifact cache" },
    "cache-max-bytes": { type: "integer", default: String(DEFAULT_CACHE_MAX_BYTES), help: "bound on the cache's blobs" },
    "lock-timeout": {
      type: "duration",
      default: "15m",
      help: "longest wait for a lock another install on the node holds (the same digest's, or the cache's brief one)",
    },
    "install-deadline": {
      type: "duration",
      default: "30m",
      help: "the whole install (lock waits, signature, download) fails after this long, so a trickling server cannot hold a digest's lock for days; the next attempt resumes the download",
    },
    "ca-file": {
      type: "string",
      arg: "FILE",
      section: "Downloads",
      help: "PEM certificates trusted for https:// instead of the system roots",
    },
    "extra-ca-file": {
      type: "string",
      arg: "FILE",
      defaultText: `the PEM in ${ARTIFACT_CA_BUNDLE_ENV}`,
      help: "PEM CA certificates trusted for https:// in addition to Node's bundled public roots (or to --ca-file): the operator's --artifact-ca-bundle",
    },
    "registry-auth": {
      type: "string",
      arg: "FILE",
      env: REGISTRY_AUTH_FILE_ENV,
      section: "OCI registries",
      help: "docker config JSON with registry credentials for oci:// (a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson)",
    },
    "plain-http-registries": {
      type: "string",
      arg: "HOST[:PORT],...",
      env: PLAIN_HTTP_REGISTRIES_ENV,
      help: "registries reached over plain http:// instead of https:// (never by default)",
    },
    "model-repository": {
      type: "string",
      arg: "DIR",
      section: "Model repository",
      help: "after verifying, copy the file (hashing it again) into this model repository, for a runtime that reads one (EdgeRuntime spec.modelRepository)",
    },
    "model-repository-layout": {
      type: "enum",
      of: MODEL_REPOSITORY_LAYOUTS,
      default: "triton",
      help: "the repository's layout: triton (NAME/config.pbtxt, NAME/1/model.plan or model.onnx)",
    },
    format: {
      type: "string",
      arg: "FORMAT",
      env: "EDGEFLEET_FORMAT",
      help: "the variant's format, which names the file in the repository",
    },
  },
});

export const INSTALL_HELP = CLI.help;

export interface InstallOptions {
  namespace: string;
  model: string;
  version: string;
  variant: string | undefined;
  artifact: ArtifactSpec;
  evaluation: InstallRequest["evaluation"];
  evaluationMaxBytes: number;
  requireSignature: boolean;
  cacheDir: string;
  cacheMaxBytes: number;
  lockTimeoutMs: number;
  installDeadlineMs: number;
  fetchers: FetcherOptions;
  /** With --model-repository: where and how to lay out the verified file. */
  repository: { dir: string; layout: ModelRepositoryLayout; format: string } | undefined;
}

export function parseInstallOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed<InstallOptions> {
  return CLI.parse(
    argv,
    (v) => {
      const [namespace = "", model = ""] = v.model.split("/");
      const signatureUri = v["signature-uri"];
      const keyFile = v["public-key-file"];
      // The operator sets one of the two variables: the policy's keys when a ModelTrustPolicy applies.
      const publicKeyPem =
        keyFile !== undefined
          ? readFlagFile("public-key-file", keyFile).toString("utf8")
          : env[SIGNATURE_PUBLIC_KEYS_ENV] || env.EDGEFLEET_SIGNATURE_PUBLIC_KEY || undefined;
      if (signatureUri !== undefined && publicKeyPem === undefined)
        throw new Error(
          `--signature-uri needs the public key: --public-key-file, ${SIGNATURE_PUBLIC_KEYS_ENV} or EDGEFLEET_SIGNATURE_PUBLIC_KEY`,
        );
      if (signatureUri === undefined && publicKeyPem !== undefined)
        throw new Error("a public key was given without --signature-uri (EDGEFLEET_SIGNATURE_URI)");
      const evaluationUri = v["evaluation-uri"];
      const evaluationSha256 = v["evaluation-sha256"];
      if ((evaluationUri === undefined) !== (evaluationSha256 === undefined))
        throw new Error(
          `--evaluation-uri and --evaluation-sha256 go together (${EVALUATION_ENV.uri}, ${EVALUATION_ENV.sha256}): give both or neither`,
        );
      const artifact: ArtifactSpec = {
        uri: v.uri,
        sha256: v.sha256,
        sizeBytes: v["size-bytes"],
        ...maxBytes(v["max-artifact-bytes"], env),
        ...(signatureUri !== undefined && publicKeyPem !== undefined
          ? { signature: { uri: signatureUri, publicKeyPem, ...(v["scoped-signatures-only"] ? { scopedOnly: true } : {}) } }
          : {}),
      };
      return {
        namespace,
        model,
        version: v.version,
        variant: v.variant,
        artifact,
        evaluation:
          evaluationUri === undefined || evaluationSha256 === undefined ? undefined : { uri: evaluationUri, sha256: evaluationSha256 },
        evaluationMaxBytes: v["evaluation-max-bytes"],
        requireSignature: !v["allow-unsigned"],
        cacheDir: v["cache-dir"],
        cacheMaxBytes: v["cache-max-bytes"],
        lockTimeoutMs: v["lock-timeout"],
        installDeadlineMs: v["install-deadline"],
        fetchers: fetcherOptions(v, env),
        repository: repositoryOptions(v["model-repository"], v["model-repository-layout"], v.format),
      };
    },
    env,
  );
}

function repositoryOptions(
  dir: string | undefined,
  layout: ModelRepositoryLayout,
  format: string | undefined,
): InstallOptions["repository"] {
  if (dir === undefined) return undefined;
  if (format === undefined) throw new Error("--model-repository needs the variant's --format (EDGEFLEET_FORMAT), which names the file");
  return { dir, layout, format };
}

/** The bound, described by the policy the operator names (or by the flag, run by hand). */
function maxBytes(bytes: number | undefined, env: NodeJS.ProcessEnv): Pick<ArtifactSpec, "maxBytes"> {
  if (bytes === undefined) return {};
  const policy = env[MAX_ARTIFACT_BYTES_POLICY_ENV];
  return {
    maxBytes: { bytes, from: policy ? `ModelTrustPolicy ${JSON.stringify(policy)} spec.maxArtifactBytes` : "--max-artifact-bytes" },
  };
}

function fetcherOptions(
  v: {
    "ca-file"?: string | undefined;
    "extra-ca-file"?: string | undefined;
    "registry-auth"?: string | undefined;
    "plain-http-registries"?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): FetcherOptions {
  const ca = v["ca-file"] === undefined ? undefined : readFlagFile("ca-file", v["ca-file"]).toString("utf8");
  const extra = extraCa(v["extra-ca-file"], env);
  const authFile = v["registry-auth"];
  const registryAuth = authFile === undefined ? undefined : readFlagFile("registry-auth", authFile).toString("utf8");
  // Checked now, so a malformed file fails as bad flags (exit 2) rather than as a refusal per registry.
  if (registryAuth !== undefined) registryCredentials(registryAuth, "", `--registry-auth ${authFile}`);
  const plainHttpRegistries = registryList(v["plain-http-registries"] ?? "", "--plain-http-registries");
  return {
    https: { ...(ca === undefined ? {} : { ca }), ...(extra === undefined ? {} : { extraCa: extra }) },
    oci: { ...(registryAuth === undefined ? {} : { registryAuth }), ...(plainHttpRegistries.length ? { plainHttpRegistries } : {}) },
  };
}

/** The bundle of --extra-ca-file, else of the operator's env; checked, so a bad one fails as bad flags (exit 2). */
function extraCa(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file !== undefined) return certificateBundle(readFlagFile("extra-ca-file", file).toString("utf8"), `--extra-ca-file ${file}`);
  const pem = env[ARTIFACT_CA_BUNDLE_ENV];
  return pem ? certificateBundle(pem, ARTIFACT_CA_BUNDLE_ENV) : undefined;
}
