#!/usr/bin/env -S node --import tsx
import { EventLoopLag, jsonLogger, listen, liveness, onShutdown, optionsOrExitCode, processMetrics } from "@edgefleet/kit";
import { Registry } from "prom-client";
import { readTls } from "./broker-flags.js";
import { Fleet } from "./fleet.js";
import { gatewayServer } from "./http.js";
import { ingester } from "./ingest.js";
import { DeviceTimeouts } from "./liveness.js";
import { gatewayMetrics } from "./metrics.js";
import { HELP, parseGatewayOptions } from "./options.js";
import { subscribe } from "./subscriber.js";

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(
    HELP,
    () => parseGatewayOptions(argv),
    (o) => ({ ...o, pem: readTls(o.tls) }),
  );
  if (typeof opts === "number") return opts;
  const log = jsonLogger({ level: opts.logLevel }).with({ component: "telemetry-gateway", clientId: opts.clientId });

  const registry = new Registry();
  processMetrics(registry);
  const fleet = new Fleet({
    countSkippedAsGaps: opts.sharedGroup === undefined,
    maxSeriesPerNode: opts.maxSeriesPerNode,
    maxLabelValuesPerNode: opts.maxLabelValuesPerNode,
    inferenceStaleMs: opts.inferenceStaleMs,
  });
  const metrics = gatewayMetrics(registry, fleet);
  const deliver = ingester({ fleet, metrics, log });
  const timeouts =
    opts.deviceTimeoutMs === undefined
      ? undefined
      : new DeviceTimeouts({ fleet, timeoutMs: opts.deviceTimeoutMs, timedOut: metrics.deviceTimedOut, log });
  timeouts?.start();
  const subscriber = subscribe({
    brokerUrl: opts.brokerUrl,
    tls: opts.pem,
    clientId: opts.clientId,
    sharedGroup: opts.sharedGroup,
    keepaliveSeconds: opts.keepaliveSeconds,
    sessionExpirySeconds: opts.sessionExpirySeconds,
    deliver,
    connected: (up) => {
      metrics.connected(up);
      timeouts?.brokerConnection(up);
    },
    log,
  });
  const loop = new EventLoopLag({ maxLagMs: opts.maxEventLoopLagMs }).start();
  const server = gatewayServer({
    registry,
    families: () => fleet.allFamilies(),
    healthy: liveness(log, () => loop.problem()),
    ready: () => subscriber.ready,
  });
  const port = await listen(server, opts.httpAddress);
  log.info("serving /metrics, /healthz and /readyz", {
    port,
    sharedGroup: opts.sharedGroup ?? "(unshared)",
    deviceTimeoutSeconds: opts.deviceTimeoutMs === undefined ? "off" : opts.deviceTimeoutMs / 1000,
  });

  return onShutdown({
    log,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      timeouts?.stop();
      await subscriber.close();
      server.close();
      loop.stop();
      log.info("stopped");
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
