#!/usr/bin/env -S node --import tsx
import { readFileSync } from "node:fs";
import { jsonLogger, listen, onShutdown, processMetrics } from "@edgefleet/kit";
import { Registry } from "prom-client";
import { Fleet } from "./fleet.js";
import { gatewayServer } from "./http.js";
import { ingester } from "./ingest.js";
import { DeviceTimeouts } from "./liveness.js";
import { gatewayMetrics } from "./metrics.js";
import { type GatewayOptions, HELP, parseGatewayOptions } from "./options.js";
import { subscribe } from "./subscriber.js";

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

function readPem(flag: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`--${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  let opts: GatewayOptions | "help";
  let tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  try {
    opts = parseGatewayOptions(argv);
    if (opts === "help") {
      console.log(HELP);
      return 0;
    }
    const [ca, cert, key] = [readPem("tls-ca", opts.tls.ca), readPem("tls-cert", opts.tls.cert), readPem("tls-key", opts.tls.key)];
    tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n\n${HELP}`);
    return 2;
  }
  const log = jsonLogger({ level: opts.logLevel }).with({ component: "telemetry-gateway", clientId: opts.clientId });

  const registry = new Registry();
  processMetrics(registry);
  const fleet = new Fleet({ countSkippedAsGaps: opts.sharedGroup === undefined });
  const metrics = gatewayMetrics(registry, fleet);
  const deliver = ingester({ fleet, metrics, log });
  const timeouts =
    opts.deviceTimeoutMs === undefined
      ? undefined
      : new DeviceTimeouts({ fleet, timeoutMs: opts.deviceTimeoutMs, timedOut: metrics.deviceTimedOut, log });
  timeouts?.start();
  const subscriber = subscribe({
    brokerUrl: opts.brokerUrl,
    tls,
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
  const server = gatewayServer({
    registry,
    families: () => fleet.allFamilies(),
    healthy: () => true,
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
      log.info("stopped");
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
