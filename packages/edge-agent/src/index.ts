/** @edgefleet/edge-agent: The edgefleet edge agent: hardware sensors, artifact verification, inference probes and the telemetry it publishes. Everything other packages may import is exported here. */

export { type RunningAgent, startAgent } from "./agent/agent.js";
export { type AgentOptions, HELP, parseOptions } from "./agent/options.js";
export { encodeTelemetry } from "./agent/telemetry.js";
export { ArtifactCache } from "./artifacts/cache.js";
export { checkCache } from "./artifacts/check.js";
export type { Progress } from "./artifacts/fetcher.js";
export type { FetcherOptions } from "./artifacts/fetchers.js";
export type { HttpsFetcherOptions } from "./artifacts/https-fetcher.js";
export { INSTALL_HELP } from "./artifacts/install-options.js";
export { type ArtifactSpec, Installer, type InstallOutcome } from "./artifacts/installer.js";
export { basicAuthorization, registryCredentials } from "./artifacts/oci-auth.js";
export { MODEL_ARTIFACT_TYPE, SIGNATURE_LAYER_TYPE } from "./artifacts/oci-manifest.js";
export { type PushedArtifact, type PushOptions, pushArtifact } from "./artifacts/oci-push.js";
export { FailureReporter } from "./artifacts/reporter.js";
export { signFile, statementScope } from "./artifacts/sign-file.js";
export { encodeEnvelope, generateSigningKey, signStatement, verifyEnvelope } from "./artifacts/signature.js";
export { detectSignature } from "./artifacts/signature-format.js";
export { canonicalStatement } from "./artifacts/statement.js";
export { verifySignatureFile } from "./artifacts/verify-signature.js";
export { cachedEvaluation, EvaluationStore } from "./inference/evaluation-store.js";
export { LatencyProber } from "./inference/prober.js";
export { parseInputs, syntheticRequest } from "./inference/synthetic.js";
export type { InferenceTarget } from "./inference/target.js";
export { type RuntimeWorkload, workloadsByNode } from "./inference/workloads.js";
export { createSensor } from "./sensors/factory.js";
export { encodeRecord } from "./spool/record.js";
export { Spool, type SpoolMessage } from "./spool/spool.js";
