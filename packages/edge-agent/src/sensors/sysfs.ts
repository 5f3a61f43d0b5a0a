import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "@edgefleet/telemetry";
import type { ReadError, Reading, Sensor } from "./sensor.js";

const byNumber = new Intl.Collator("en", { numeric: true });

/**
 * Reads kernel pseudo-files below a root directory ("/" on a device, a fixture tree in tests),
 * collecting failures instead of throwing them. Paths given to it and reported in errors are
 * relative to the root, so errors read the same on every machine.
 */
export class SysfsReader {
  readonly errors: ReadError[] = [];

  constructor(private readonly root: string) {}

  /** Entries of a directory whose names match, in natural order (thermal_zone2 before thermal_zone10). */
  async list(dir: string, pattern: RegExp): Promise<string[]> {
    try {
      const names = await readdir(join(this.root, dir));
      return names.filter((n) => pattern.test(n)).sort(byNumber.compare);
    } catch (err) {
      this.fail(dir, err);
      return [];
    }
  }

  /** The file's text without its trailing newline, or undefined (recorded as an error). */
  text(path: string): Promise<string | undefined> {
    return this.read(path, true);
  }

  /** A file that may legitimately be absent (an unlabelled hwmon channel): no error when it is. */
  optionalText(path: string): Promise<string | undefined> {
    return this.read(path, false);
  }

  /** A file holding one integer, as most sysfs attributes do. */
  async integer(path: string): Promise<number | undefined> {
    const text = await this.text(path);
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text)) {
      this.errors.push({ source: path, message: `not an integer: ${JSON.stringify(text.slice(0, 32))}` });
      return undefined;
    }
    return Number(text);
  }

  private async read(path: string, required: boolean): Promise<string | undefined> {
    try {
      return (await readFile(join(this.root, path), "utf8")).trim();
    } catch (err) {
      if (required || (err as NodeJS.ErrnoException).code !== "ENOENT") this.fail(path, err);
      return undefined;
    }
  }

  private fail(path: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    this.errors.push({ source: path, message: code ?? String(err) });
  }
}

/**
 * A sensor that reads its files afresh on every read, reporting the reader's errors with its
 * samples. A bug that throws midway becomes one more error: a periodic read must not reject.
 */
export function fileSensor(type: string, root: string, collect: (fs: SysfsReader) => Promise<Sample[]>): Sensor {
  return {
    type,
    async read(): Promise<Reading> {
      const fs = new SysfsReader(root);
      try {
        return { samples: await collect(fs), errors: fs.errors };
      } catch (err) {
        return { samples: [], errors: [...fs.errors, { source: type, message: String(err) }] };
      }
    },
  };
}
