import type { Sample } from "@edgefleet/telemetry";

/** A file or command a sensor could not read or make sense of; the rest of its reading still counts. */
export interface ReadError {
  readonly source: string;
  readonly message: string;
}

export interface Reading {
  readonly samples: Sample[];
  readonly errors: ReadError[];
}

/**
 * One source of hardware readings. read() never rejects: a periodic loop must keep running on a
 * device whose files come and go (hot-plugged hwmon chips, permission changes after an update).
 */
export interface Sensor {
  readonly type: string;
  read(): Promise<Reading>;
}
