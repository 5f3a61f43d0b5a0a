/**
 * The exposition of the per-device families, written by hand: prom-client keeps labels as objects
 * and formats every series on every scrape, far too slow at 100,000 series. Here each series keeps
 * its text up to the value ("name{labels} "), built once when the series is created or relabelled,
 * so a scrape only appends numbers.
 */

export type FamilyType = "gauge" | "counter" | "histogram";

export interface Series {
  /** Exposition lines this series writes. */
  readonly lines: number;
  /** Rebuilds the cached text for new device labels (a birth named the hardware class). */
  relabel(deviceLabels: string): void;
  /** Its exposition lines, each ending in a newline. */
  render(): string;
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n" };

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => ESCAPES[c] ?? c) : value;
}

/** `a="x",b="y"`; names must already be valid label names. */
export function labelPairs(pairs: Iterable<readonly [string, string]>): string {
  let out = "";
  for (const [name, value] of pairs) out += `${out ? "," : ""}${name}="${escapeLabelValue(value)}"`;
  return out;
}

export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

const join = (a: string, b: string) => (a && b ? `${a},${b}` : a || b);

/** One gauge or counter series. */
export class ValueSeries implements Series {
  readonly lines = 1;
  value = 0;
  private prefix = "";

  constructor(
    private readonly name: string,
    private readonly ownLabels: string,
    deviceLabels: string,
  ) {
    this.relabel(deviceLabels);
  }

  relabel(deviceLabels: string): void {
    this.prefix = `${this.name}{${join(deviceLabels, this.ownLabels)}} `;
  }

  render(): string {
    return `${this.prefix}${formatValue(this.value)}\n`;
  }
}

/** A histogram with fixed buckets that grows by counts already bucketed elsewhere (the agents). */
export class HistogramSeries implements Series {
  readonly lines: number;
  /** Non-cumulative, one per bound plus +Inf; summed at render time. */
  readonly counts: Float64Array;
  sum = 0;
  private bucketPrefixes: string[] = [];
  private sumPrefix = "";
  private countPrefix = "";

  constructor(
    private readonly name: string,
    private readonly bounds: readonly number[],
    private readonly ownLabels: string,
    deviceLabels: string,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    this.lines = bounds.length + 3;
    this.relabel(deviceLabels);
  }

  relabel(deviceLabels: string): void {
    const labels = join(deviceLabels, this.ownLabels);
    const les = [...this.bounds.map(formatValue), "+Inf"];
    this.bucketPrefixes = les.map((le) => `${this.name}_bucket{${join(labels, `le="${le}"`)}} `);
    this.sumPrefix = `${this.name}_sum{${labels}} `;
    this.countPrefix = `${this.name}_count{${labels}} `;
  }

  add(counts: readonly number[], sum: number): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] ?? 0) + (counts[i] ?? 0);
    this.sum += sum;
  }

  render(): string {
    let cumulative = 0;
    let text = "";
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i] ?? 0;
      text += `${this.bucketPrefixes[i]}${formatValue(cumulative)}\n`;
    }
    return `${text}${this.sumPrefix}${formatValue(this.sum)}\n${this.countPrefix}${formatValue(cumulative)}\n`;
  }
}

/** A metric family: its header and its series by key (the key names the device and the series' own labels). */
export class Family {
  readonly series = new Map<string, Series>();
  private size = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: FamilyType,
  ) {}

  /** Exposition lines held. */
  get lines(): number {
    return this.size;
  }

  add(key: string, series: Series): void {
    const old = this.series.get(key);
    if (old) this.size -= old.lines;
    this.series.set(key, series);
    this.size += series.lines;
  }

  delete(key: string): void {
    const old = this.series.get(key);
    if (!old) return;
    this.series.delete(key);
    this.size -= old.lines;
  }

  header(): string {
    return `# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${this.name} ${this.type}\n`;
  }
}

/** Lines per chunk handed to the writer: small enough that one chunk never blocks the event loop for long. */
const CHUNK_LINES = 2_000;

/**
 * Writes the families in chunks, yielding to the event loop between them so messages keep flowing
 * (and probes keep answering) during a scrape of 100,000 series. Series added or removed between
 * chunks are seen or skipped as a Map iteration allows; each series itself is written whole.
 */
export async function renderFamilies(families: Iterable<Family>, write: (chunk: string) => void): Promise<void> {
  let text = "";
  let lines = 0;
  for (const family of families) {
    if (family.series.size === 0) continue;
    text += family.header();
    for (const series of family.series.values()) {
      text += series.render();
      lines += series.lines;
      if (lines >= CHUNK_LINES) {
        write(text);
        text = "";
        lines = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  if (text) write(text);
}
