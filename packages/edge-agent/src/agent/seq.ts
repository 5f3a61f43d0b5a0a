import { readNumberFile, writeNumberFile } from "../spool/ack-file.js";
import type { Spool } from "../spool/spool.js";

/** Beside the spool's own files; the spool ignores names that are not its own. */
const FILE = "agent-next-seq";

/**
 * The node's telemetry sequence number, which must keep increasing across agent restarts (the
 * gateway reads a repeat as a redelivery and a gap as a loss). The spool's newest record carries
 * the last seq used; the file covers a spool that was emptied, and is written once per start and
 * on shutdown, never per message.
 */
export class SeqCounter {
  private constructor(
    private readonly dir: string,
    private nextSeq: number,
  ) {}

  static open(dir: string, spool: Spool): SeqCounter {
    const fromFile = readNumberFile(dir, FILE, 0, "a sequence number");
    const counter = new SeqCounter(dir, Math.max(fromFile, (spool.lastSeq() ?? -1) + 1));
    counter.persist();
    return counter;
  }

  get next(): number {
    return this.nextSeq;
  }

  take(): number {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    return seq;
  }

  persist(): void {
    writeNumberFile(this.dir, FILE, this.nextSeq);
  }
}
