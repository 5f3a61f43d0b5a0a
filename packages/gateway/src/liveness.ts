import { type Clock, type Logger, systemClock } from "@edgefleet/kit";
import type { Fleet } from "./fleet.js";

/** A tenth of the timeout, within 100ms..5s: a silent device is offline within about 1.1 x the timeout. */
export function sweepIntervalMs(timeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.round(timeoutMs / 10)));
}

export interface DeviceTimeoutsOptions {
  readonly fleet: Fleet;
  /** Silence after which a device is offline. */
  readonly timeoutMs: number;
  /** Times the sweeps. */
  readonly clock?: Clock;
  /** Once per device that went offline by silence. */
  readonly timedOut: () => void;
  readonly log: Logger;
}

/**
 * The gateway's own liveness check, since the broker's last will of a frozen client can come late:
 * every sweep takes devices silent for the timeout offline. The sweep is synchronous, so sweeps
 * never overlap. While the gateway itself is cut off from the broker, silence proves nothing about
 * the devices: sweeps pause, and on reconnecting every device gets a full timeout again.
 */
export class DeviceTimeouts {
  private cancel: (() => void) | undefined;
  private connected = false;
  private readonly clock: Clock;

  constructor(private readonly options: DeviceTimeoutsOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.cancel !== undefined) return;
    this.cancel = this.clock.setInterval(() => this.sweep(), sweepIntervalMs(this.options.timeoutMs));
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** The broker connection came or went. */
  brokerConnection(up: boolean): void {
    if (up && !this.connected) this.options.fleet.restartSilence();
    this.connected = up;
  }

  sweep(): void {
    if (!this.connected) return;
    const { fleet, timeoutMs, log, timedOut } = this.options;
    try {
      for (const device of fleet.expire(timeoutMs)) {
        timedOut();
        log.warn("device silent for the device timeout: marked offline", { ...device, timeoutSeconds: timeoutMs / 1000 });
      }
    } catch (err) {
      log.error("device timeout sweep failed", { error: String(err) });
    }
  }
}
