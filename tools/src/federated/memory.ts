import { freemem } from "node:os";

const MB = 1e6;

/**
 * Resident memory of one simulated device before it trains: Flower 1.42 runs a SuperNode and, beside
 * it, a SuperExec that launches its ClientApp processes, about 130 and 120 MB (measured with 100
 * devices, BENCHMARKS.md "Federated learning").
 */
export const DEVICE_BYTES = 250 * MB;
/** What the rest of a run takes besides the devices: the SuperLink, the ServerApp, the ClientApps of a round. */
export const RUN_HEADROOM_BYTES = 2000 * MB;

/**
 * Why this machine cannot hold a run of this many devices, or undefined: past its available memory
 * a run does not fail, it swaps the machine to a standstill (100 devices on 23 GB did).
 */
export function memoryProblem(devices: number, availableBytes = freemem()): string | undefined {
  const needed = devices * DEVICE_BYTES + RUN_HEADROOM_BYTES;
  if (needed <= availableBytes) return undefined;
  const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
  return `--devices ${devices} needs about ${gb(needed)} of memory (${DEVICE_BYTES / MB} MB a device: its Flower SuperNode and the SuperExec beside it, and ${gb(RUN_HEADROOM_BYTES)} for the rest of the run), and this machine has ${gb(availableBytes)} available: run fewer devices (at most ${Math.max(0, Math.floor((availableBytes - RUN_HEADROOM_BYTES) / DEVICE_BYTES))} here), or add --ignore-memory to start anyway`;
}

/** What the simulator leaves free besides a new device: the machine's other processes and the rounds' ClientApps. */
export const CLIENT_RESERVE_BYTES = 500 * MB;

/**
 * Why the fleet simulator does not start one more device's client now, or undefined: it would take
 * the machine's last available memory. The client is started on a later pass once memory frees;
 * starting it anyway swaps the machine to a standstill with every process on it.
 */
export function clientMemoryProblem(availableBytes = freemem()): string | undefined {
  const needed = DEVICE_BYTES + CLIENT_RESERVE_BYTES;
  if (availableBytes >= needed) return undefined;
  return `this machine has ${Math.floor(availableBytes / MB)} MB available, and a simulated device takes about ${DEVICE_BYTES / MB} MB (its Flower SuperNode and SuperExec) with ${CLIENT_RESERVE_BYTES / MB} MB left for the rest: started once memory frees; train fewer devices, or stop other runs`;
}
