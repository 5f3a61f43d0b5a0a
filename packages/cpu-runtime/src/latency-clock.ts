/** What the runtime measures an inference's duration on (--latency-clock). */
export const LATENCY_CLOCKS = ["wall", "process-cpu"] as const;
export type LatencyClock = (typeof LATENCY_CLOCKS)[number];

/** Milliseconds on the chosen clock; only differences between two readings mean anything. */
export type Stopwatch = () => number;

/**
 * Wall time is what a device measures. A simulated fleet runs many runtimes on a machine's few
 * cores, where wall time adds every other device's work to each one's latency; the process's own
 * CPU time (all its threads: onnxruntime's and the event loop's) is what that device would
 * measure with one core to itself, and it does not move when a neighbour gets slower. An engine
 * running in a worker process reports its CPU time there (elsewhereMs), which is added.
 */
export function stopwatch(clock: LatencyClock, elsewhereMs: () => number = () => 0): Stopwatch {
  if (clock === "wall") return () => performance.now();
  return () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000 + elsewhereMs();
  };
}
