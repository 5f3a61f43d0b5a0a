/**
 * Every program's flags as one table: it parses argv (on node:util parseArgs), names the flag and
 * the fix in every error, and renders the --help text, so each default is written once.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { orList, renderHelp } from "./flags-help.js";
import { splitHostPort } from "./http-server.js";
import { LEVELS } from "./log.js";

/** A rule a string value must follow; a value that breaks it fails as `--NAME must ${must}, got "VALUE"`. */
export interface Check {
  readonly must: string;
  readonly test: RegExp | ((value: string) => boolean);
}

interface Described {
  /** What the flag does; the help adds its choices, default and environment variable. */
  readonly help: string;
  /** The value's name in the help (by default one for its type: N, DUR, URL, HOST:PORT, ...). */
  readonly arg?: string;
  /** The help's heading for this flag and the ones after it (default: Options). */
  readonly section?: string;
}

interface Valued extends Described {
  /** The value when the flag is absent, as it would be typed; it is checked like a given one. */
  readonly default?: string;
  /** The default as the help states it, when the program works it out itself. */
  readonly defaultText?: string;
  /** Must be given (and not empty). */
  readonly required?: true;
  /** Read when the flag is absent; an empty variable counts as unset. */
  readonly env?: string;
}

export type Flag =
  /** Present or not: --discover-runtimes. */
  | (Described & { readonly type: "switch" })
  /** Given any number of times; each value must pass the check. */
  | (Described & { readonly type: "repeated"; readonly check?: Check })
  | (Valued &
      (
        | { readonly type: "string"; readonly nonEmpty?: true; readonly check?: Check }
        /** min defaults to 1; -Infinity takes any integer. */
        | { readonly type: "integer"; readonly min?: number; readonly max?: number }
        /** Greater than zero, fractions too. */
        | { readonly type: "number" }
        /** Whole seconds from 1. */
        | { readonly type: "seconds"; readonly max?: number }
        /**
         * A number with ms, s, m or h, as milliseconds, from min (default 1) to max. bareSeconds: a
         * number without a unit is seconds; zeroIsOff: 0 (in any unit) is taken as 0.
         */
        | {
            readonly type: "duration";
            readonly min?: number;
            readonly max?: number;
            readonly bareSeconds?: true;
            readonly zeroIsOff?: true;
          }
        /** true or false, spelled out: --leader-elect false. */
        | { readonly type: "boolean" }
        | { readonly type: "enum"; readonly of: readonly string[] }
        /** Comma-separated, each one of `of`; duplicates are dropped. */
        | { readonly type: "list"; readonly of: readonly string[] }
        | { readonly type: "url"; readonly schemes: readonly string[]; readonly example: string }
        /** HOST:PORT; an empty host is every interface, port 0 any free port. */
        | { readonly type: "address" }
      ));

export type Flags = Readonly<Record<string, Flag>>;

type Value<F> = F extends { type: "integer" | "number" | "seconds" | "duration" }
  ? number
  : F extends { type: "switch" | "boolean" }
    ? boolean
    : F extends { type: "enum"; of: readonly (infer T)[] }
      ? T
      : F extends { type: "list"; of: readonly (infer T)[] }
        ? T[]
        : F extends { type: "repeated" }
          ? string[]
          : string;

/** Flags that always have a value: a default, required, or a switch or repeated flag (false, []). */
type AlwaysSet = { default: string } | { required: true } | { type: "switch" | "repeated" };

/** The parsed flags by name: undefined for an absent flag without a default. */
export type FlagValues<F extends Flags> = { -readonly [K in keyof F]: Value<F[K]> | (F[K] extends AlwaysSet ? never : undefined) };

/** What every program's parse function returns: --help asked for (nothing else is checked then), or the options. */
export type Parsed<T> = { help: true } | { help: false; options: T };

export interface CommandSpec<F extends Flags> {
  /** The usage line(s), without "Usage: ". */
  readonly usage: string | readonly string[];
  /** What the program does, as the help shows it. */
  readonly about: string;
  readonly flags: F;
  /** Text after the flags. */
  readonly footer?: string;
  /** Whether the program takes arguments besides flags (a command, a file). */
  readonly positionals?: true;
}

export interface Command<F extends Flags> {
  /** The --help text, generated from the flags. */
  readonly help: string;
  /**
   * Parses argv and hands the values to build, which checks what spans flags and returns the
   * program's options; every error thrown names the flag.
   */
  parse<T>(argv: readonly string[], build: (values: FlagValues<F>, positionals: string[]) => T, env?: NodeJS.ProcessEnv): Parsed<T>;
}

export function command<const F extends Flags>(spec: CommandSpec<F>): Command<F> {
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, flag]) => [
      name,
      flag.type === "switch" ? { type: "boolean" as const } : { type: "string" as const, multiple: flag.type === "repeated" },
    ]),
  );
  return {
    help: renderHelp(spec),
    parse(argv, build, env = process.env) {
      const { values, positionals } = parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: spec.positionals === true,
        options: { ...options, help: { type: "boolean", short: "h" } },
      });
      const given: Record<string, unknown> = values;
      if (given.help) return { help: true };
      const parsed = Object.fromEntries(Object.entries(spec.flags).map(([name, flag]) => [name, read(name, flag, given[name], env)]));
      return { help: false, options: build(parsed as FlagValues<F>, positionals) };
    },
  };
}

/** The log level flag every program takes. */
export const LOG_LEVEL_FLAG = {
  type: "enum",
  of: LEVELS,
  default: "info",
  arg: "LEVEL",
  help: "how much to log; logs are JSON lines on stdout",
} as const satisfies Flag;

/**
 * A program's flags read the same way everywhere: --help prints the help (exit code 0); bad flags,
 * or a prepare step that fails (reading the files flags name, settings from the environment),
 * print what is wrong and then the help (exit code 2). Returns the (prepared) options, or that exit code.
 */
export function optionsOrExitCode<T>(help: string, parse: () => Parsed<T>): Promise<T | number>;
export function optionsOrExitCode<T, U>(help: string, parse: () => Parsed<T>, prepare: (options: T) => U | Promise<U>): Promise<U | number>;
export async function optionsOrExitCode<T, U>(
  help: string,
  parse: () => Parsed<T>,
  prepare: (options: T) => U | Promise<U> = (options) => options as unknown as U,
): Promise<U | number> {
  try {
    const parsed = parse();
    if (parsed.help) {
      console.log(help);
      return 0;
    }
    return await prepare(parsed.options);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n\n${help}`);
    return 2;
  }
}

/** The contents of the file a flag names; a file that cannot be read is that flag's error. */
export function readFlagFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`--${name} cannot be read: ${(err as Error).message}`);
  }
}

function read(name: string, flag: Flag, given: unknown, env: NodeJS.ProcessEnv): unknown {
  if (flag.type === "switch") return given === true;
  if (flag.type === "repeated") return ((given ?? []) as string[]).map((value) => checked(name, flag.check, value));
  const fromEnv = flag.env === undefined ? undefined : env[flag.env] || undefined;
  const raw = (given as string | undefined) ?? fromEnv;
  if (raw === "" && (flag.required || (flag.type === "string" && flag.nonEmpty))) throw new Error(`--${name} must not be empty`);
  const value = raw ?? flag.default;
  // A bad value from the environment is named by its variable too: the command line may not show it.
  if (value !== undefined) return convert(given === undefined && fromEnv !== undefined ? `${name} (${flag.env})` : name, flag, value);
  if (flag.required) throw new Error(`--${name} is required${flag.env === undefined ? "" : ` (or set ${flag.env})`}`);
  return undefined;
}

function convert(name: string, flag: Exclude<Flag, { type: "switch" | "repeated" }>, value: string): unknown {
  const fail = (must: string) => new Error(`--${name} must ${must}, got "${value}"`);
  switch (flag.type) {
    case "string":
      return checked(name, flag.check, value);
    case "integer":
    case "seconds": {
      const min = flag.type === "integer" ? (flag.min ?? 1) : 1;
      const max = flag.max ?? Number.POSITIVE_INFINITY;
      const n = toNumber(value);
      if (!Number.isSafeInteger(n) || n < min || n > max) throw fail(integerRule(flag.type, min, flag.max));
      return n;
    }
    case "number": {
      const n = toNumber(value);
      if (!(n > 0 && Number.isFinite(n))) throw fail("be a positive number");
      return n;
    }
    case "duration":
      return duration(flag, value, fail);
    case "boolean":
      if (value !== "true" && value !== "false") throw fail("be true or false");
      return value === "true";
    case "enum":
      if (!flag.of.includes(value)) throw fail(`be one of ${flag.of.join(", ")}`);
      return value;
    case "list": {
      const items = value.split(",").map((s) => s.trim());
      if (!items.every((i) => flag.of.includes(i))) throw fail(`be a comma list of ${flag.of.join(", ")}`);
      return [...new Set(items)];
    }
    case "url":
      return url(name, flag, value, fail);
    case "address":
      if (!splitHostPort(value)) throw fail("be HOST:PORT (e.g. 0.0.0.0:8080 or 127.0.0.1:0)");
      return value;
  }
}

function checked(name: string, check: Check | undefined, value: string): string {
  if (check && !(typeof check.test === "function" ? check.test(value) : check.test.test(value)))
    throw new Error(`--${name} must ${check.must}, got "${value}"`);
  return value;
}

/** Number() as the flags always took it, but a blank value is no number (Number("") is 0). */
function toNumber(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

function integerRule(type: "integer" | "seconds", min: number, max: number | undefined): string {
  if (type === "seconds")
    return max === undefined ? "be a positive whole number of seconds" : `be a whole number of seconds from 1 to ${max}`;
  if (max !== undefined) return `be an integer from ${min} to ${max}`;
  if (min === 1) return "be a positive integer";
  return min === Number.NEGATIVE_INFINITY ? "be an integer" : `be an integer of at least ${min}`;
}

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

function duration(flag: Extract<Flag, { type: "duration" }>, value: string, fail: (must: string) => Error): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  const unit = (match?.[2] as Unit | undefined) ?? (flag.bareSeconds ? "s" : undefined);
  const ms = match && unit ? Number(match[1]) * UNIT_MS[unit] : Number.NaN;
  if (ms === 0 && flag.zeroIsOff) return 0;
  const min = flag.min ?? 1;
  if (!(ms >= min && ms <= (flag.max ?? Number.POSITIVE_INFINITY) && Number.isFinite(ms))) {
    const range = flag.max === undefined ? `of at least ${exactly(min)}` : `from ${exactly(min)} to ${atMost(flag.max)}`;
    const forms = flag.bareSeconds ? ", in seconds or like 500ms, 45s, 2m" : " such as 500ms, 1s or 2m";
    throw fail(`be ${flag.zeroIsOff ? "0 (off) or " : "a duration "}${range}${forms}`);
  }
  return Math.round(ms);
}

/** 100 as 100ms, 2000 as 2s: the largest unit that divides it. */
function exactly(ms: number): string {
  const unit = (Object.keys(UNIT_MS) as Unit[]).find((u) => ms % UNIT_MS[u] === 0) ?? "ms";
  return `${ms / UNIT_MS[unit]}${unit}`;
}

/** 2^31 - 1 as 596h: whole units of the largest one it holds, rounded down. */
function atMost(ms: number): string {
  const unit = (Object.keys(UNIT_MS) as Unit[]).find((u) => ms >= UNIT_MS[u]) ?? "ms";
  return `${Math.floor(ms / UNIT_MS[unit])}${unit}`;
}

function url(name: string, flag: Extract<Flag, { type: "url" }>, value: string, fail: (must: string) => Error): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw fail(`be a URL like ${flag.example}`);
  }
  const either = orList(flag.schemes.map((s) => `${s}://`));
  if (!flag.schemes.includes(parsed.protocol.slice(0, -1))) {
    // "prom:9090" parses, as scheme "prom:": it is a host and port without a scheme, not a wrong scheme.
    if (!value.includes("://")) throw fail(`be an ${either} URL such as ${flag.example}`);
    throw new Error(`--${name} must use ${either}, got "${parsed.protocol}//" in "${value}"`);
  }
  if (!parsed.hostname) throw fail("name a host");
  return value;
}
