/** @edgefleet/kit: The process kit every edgefleet program runs on: command-line flags and --help, JSON logging, probe and metrics server with liveness checks (event-loop lag), graceful shutdown, host-wide lock files, bounded concurrency, PEM certificate bundles, a seed-derived certificate authority, error messages, clock, backoff, periodic loops, process metrics, tracing, reads of files that must hash to a verified sha256. Everything other packages may import is exported here. */

export { type Backoff, type BackoffOptions, exponentialBackoff, type Jitter } from "./backoff.js";
export { certificateBundle, PEM_CERTIFICATE } from "./certificates.js";
export { type Clock, systemClock } from "./clock.js";
export { errorMessage } from "./errors.js";
export { EventLoopLag, type EventLoopLagOptions, MAX_EVENT_LOOP_LAG_FLAG } from "./event-loop-lag.js";
export { acquireFileLock, DEFAULT_STALE_MS, type FileLockOptions, type HeldLock } from "./file-lock.js";
export {
  type Check,
  type Command,
  type CommandSpec,
  command,
  type Flag,
  type Flags,
  type FlagValues,
  LOG_LEVEL_FLAG,
  optionsOrExitCode,
  type Parsed,
  readFlagFile,
} from "./flags.js";
export { forEachLimited } from "./for-each-limited.js";
export { listen, liveness, probeServer } from "./http-server.js";
export { jsonLogger, LEVELS, type Level, type Logger, silentLogger } from "./log.js";
export { Periodic } from "./periodic.js";
export {
  type CertificateAuthority,
  certificateAuthority,
  DEFAULT_RENEWAL,
  type IdentityGeneration,
  type Issued,
  type Renewal,
  VALIDITY,
  validityWindow,
} from "./pki/certificate-authority.js";
export { processMetrics } from "./process-metrics.js";
export { seededRandom } from "./random.js";
export { onShutdown } from "./shutdown.js";
// Test support: the test clock, parsed options of a program, temporary directories.
export { FakeClock } from "./testing/fake-clock.js";
export { optionsOf } from "./testing/options-of.js";
export { useTempDirs } from "./testing/temp-dir.js";
export { inSpan, OTLP_PROTOCOLS, type OtlpProtocol, startTracing, type Tracing, tracingEnabled, tracingProblems } from "./tracing.js";
export { readVerifiedFile } from "./verified-file.js";
