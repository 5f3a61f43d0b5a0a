export { type Backoff, type BackoffOptions, exponentialBackoff, type Jitter } from "./backoff.js";
export { type Clock, systemClock } from "./clock.js";
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
export { listen, probeServer } from "./http-server.js";
export { jsonLogger, LEVELS, type Level, type Logger, silentLogger } from "./log.js";
export { Periodic } from "./periodic.js";
export { processMetrics } from "./process-metrics.js";
export { seededRandom } from "./random.js";
export { onShutdown } from "./shutdown.js";
export { FakeClock } from "./testing/fake-clock.js";
export { optionsOf } from "./testing/options-of.js";
export { useTempDirs } from "./testing/temp-dir.js";
export { inSpan, startTracing, type Tracing, tracingEnabled, tracingProblems } from "./tracing.js";
