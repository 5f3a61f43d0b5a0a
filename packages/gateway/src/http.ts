import type { Server } from "node:http";
import { probeServer } from "@edgefleet/kit";
import type { Registry } from "prom-client";
import type { Family } from "./series.js";
import { renderFamilies } from "./series.js";

export interface GatewayServerOptions {
  /** The gateway's own families and the process metrics (prom-client). */
  readonly registry: Registry;
  /** The device and inference families, rendered by hand (series.ts). */
  readonly families: () => Iterable<Family>;
  readonly healthy: () => boolean;
  /** Subscribed to the broker. */
  readonly ready: () => boolean;
}

/** Renders the whole exposition, streaming the device families chunk by chunk to `write`. */
export async function renderMetrics(
  options: Pick<GatewayServerOptions, "registry" | "families">,
  write: (chunk: string) => void,
): Promise<void> {
  write(await options.registry.metrics());
  await renderFamilies(options.families(), write);
}

/** /metrics (Prometheus text format 0.0.4), /healthz and /readyz on one port. */
export function gatewayServer(options: GatewayServerOptions): Server {
  return probeServer({ ...options, render: (write) => renderMetrics(options, write) });
}
