import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { command, type Flag, LOG_LEVEL_FLAG, optionsOrExitCode, type Parsed, readFlagFile } from "./flags.js";
import { useTempDirs } from "./testing/temp-dir.js";

const tempDir = useTempDirs("flags");

const CLI = command({
  usage: "demo --name NAME [options]",
  about: "A program to test the flag table with.",
  flags: {
    name: { type: "string", required: true, arg: "NAME", help: "who to greet", section: "Identity" },
    workers: { type: "integer", default: "4", help: "concurrent workers", section: "Work" },
    rate: { type: "number", default: "0.5", help: "requests per second" },
    keepalive: { type: "seconds", max: 65_535, default: "30", help: "MQTT keepalive" },
    interval: { type: "duration", default: "1s", help: "how often to work" },
    verbose: { type: "switch", help: "say more" },
    "leader-elect": { type: "boolean", default: "true", help: "elect a leader first" },
    "log-level": LOG_LEVEL_FLAG,
    sensors: { type: "list", of: ["cpu", "memory"], default: "cpu", help: "what to read" },
    url: { type: "url", schemes: ["mqtt", "mqtts"], example: "mqtts://HOST:PORT", help: "the broker" },
    "http-address": { type: "address", default: "0.0.0.0:8080", help: "/metrics" },
    count: { type: "repeated", arg: "CLASS=N", check: { must: "be CLASS=N", test: /^\w+=\d+$/ }, help: "a count (repeatable)" },
    token: { type: "string", env: "DEMO_TOKEN", nonEmpty: true, help: "the token" },
  },
  footer: "See docs/demo.md.",
});

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => CLI.parse(argv, (v) => v, env);
const values = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parse(["--name", "ada", ...argv], env);
  if (parsed.help) throw new Error("expected options");
  return parsed.options;
};

describe("command flags", () => {
  it("parses into typed values, with the table's defaults", () => {
    const v = values([]);
    expect(v).toEqual({
      name: "ada",
      workers: 4,
      rate: 0.5,
      keepalive: 30,
      interval: 1_000,
      verbose: false,
      "leader-elect": true,
      "log-level": "info",
      sensors: ["cpu"],
      url: undefined,
      "http-address": "0.0.0.0:8080",
      count: [],
      token: undefined,
    });
    expectTypeOf(v.workers).toEqualTypeOf<number>();
    expectTypeOf(v["log-level"]).toEqualTypeOf<"debug" | "info" | "warn" | "error">();
    expectTypeOf(v.sensors).toEqualTypeOf<("cpu" | "memory")[]>();
    expectTypeOf(v.url).toEqualTypeOf<string | undefined>();
    expectTypeOf(v.count).toEqualTypeOf<string[]>();
  });

  it("takes given values over defaults", () => {
    expect(
      values([
        "--workers=8",
        "--rate",
        "2.5",
        "--interval",
        "2m",
        "--verbose",
        "--leader-elect",
        "false",
        "--sensors",
        "memory, cpu,memory",
        "--url",
        "mqtt://broker:1883",
        "--count",
        "a=1",
        "--count",
        "b=2",
      ]),
    ).toMatchObject({
      workers: 8,
      rate: 2.5,
      interval: 120_000,
      verbose: true,
      "leader-elect": false,
      sensors: ["memory", "cpu"],
      url: "mqtt://broker:1883",
      count: ["a=1", "b=2"],
    });
  });

  it("reads a flag's environment variable when the flag is absent; an empty one counts as unset", () => {
    expect(values([], { DEMO_TOKEN: "t1" }).token).toBe("t1");
    expect(values(["--token", "t2"], { DEMO_TOKEN: "t1" }).token).toBe("t2");
    expect(values([], { DEMO_TOKEN: "" }).token).toBeUndefined();
    const env = command({ usage: "", about: "", flags: { n: { type: "integer", env: "DEMO_N", help: "" } } });
    expect(() => env.parse([], (v) => v, { DEMO_N: "0" })).toThrow('--n (DEMO_N) must be a positive integer, got "0"');
  });

  it("answers --help before checking anything else, required flags included", () => {
    expect(parse(["--help"])).toEqual({ help: true });
    expect(parse(["-h", "--workers", "0"])).toEqual({ help: true });
    expect(() => parse(["--help", "--bogus"])).toThrow("Unknown option '--bogus'");
  });

  it.each([
    [[], "--name is required"],
    [["--name="], "--name must not be empty"],
    [["--name", "a", "--token="], "--token must not be empty"],
    [["--name", "a", "--workers", "0"], '--workers must be a positive integer, got "0"'],
    [["--name", "a", "--workers", "1.5"], '--workers must be a positive integer, got "1.5"'],
    [["--name", "a", "--workers", ""], '--workers must be a positive integer, got ""'],
    [["--name", "a", "--rate", "fast"], '--rate must be a positive number, got "fast"'],
    [["--name", "a", "--rate", "0"], '--rate must be a positive number, got "0"'],
    [["--name", "a", "--keepalive", "0"], '--keepalive must be a whole number of seconds from 1 to 65535, got "0"'],
    [["--name", "a", "--keepalive", "65536"], '--keepalive must be a whole number of seconds from 1 to 65535, got "65536"'],
    [["--name", "a", "--interval", "5"], '--interval must be a duration of at least 1ms such as 500ms, 1s or 2m, got "5"'],
    [["--name", "a", "--interval", "0.5ms"], "--interval must be a duration of at least 1ms"],
    [["--name", "a", "--leader-elect", "yes"], '--leader-elect must be true or false, got "yes"'],
    [["--name", "a", "--log-level", "loud"], '--log-level must be one of debug, info, warn, error, got "loud"'],
    [["--name", "a", "--sensors", "cpu,gpu"], '--sensors must be a comma list of cpu, memory, got "cpu,gpu"'],
    [["--name", "a", "--sensors", ""], '--sensors must be a comma list of cpu, memory, got ""'],
    [["--name", "a", "--url", "broker"], '--url must be a URL like mqtts://HOST:PORT, got "broker"'],
    [["--name", "a", "--url", "broker:1883"], '--url must be an mqtt:// or mqtts:// URL such as mqtts://HOST:PORT, got "broker:1883"'],
    [["--name", "a", "--url", "http://b:1"], '--url must use mqtt:// or mqtts://, got "http://" in "http://b:1"'],
    [["--name", "a", "--url", "mqtt://"], '--url must name a host, got "mqtt://"'],
    [["--name", "a", "--http-address", "8080"], '--http-address must be HOST:PORT (e.g. 0.0.0.0:8080 or 127.0.0.1:0), got "8080"'],
    [["--name", "a", "--count", "a=1", "--count", "b"], '--count must be CLASS=N, got "b"'],
    [["--name", "a", "--verbose=yes"], "--verbose"],
    [["--name", "a", "extra"], "Unexpected argument 'extra'"],
  ])("rejects %j naming the flag and the fix", (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });

  it("checks a default like a given value", () => {
    const bad = command({ usage: "bad", about: "", flags: { n: { type: "integer", default: "0", help: "" } } });
    expect(() => bad.parse([], (v) => v)).toThrow('--n must be a positive integer, got "0"');
  });

  it.each<[Flag, string, unknown]>([
    [{ type: "integer", min: 0, help: "" }, "0", 0],
    [{ type: "integer", min: Number.NEGATIVE_INFINITY, help: "" }, "-7", -7],
    [{ type: "duration", help: "" }, "1.5s", 1_500],
    [{ type: "duration", help: "" }, "2h", 7_200_000],
    [{ type: "duration", bareSeconds: true, help: "" }, "3", 3_000],
    [{ type: "duration", zeroIsOff: true, min: 100, help: "" }, "0ms", 0],
    [{ type: "url", schemes: ["http", "https"], example: "http://prometheus:9090", help: "" }, "https://p:9090", "https://p:9090"],
    [{ type: "address", help: "" }, ":8080", ":8080"],
  ])("takes %j value %s", (flag, value, expected) => {
    expect(command({ usage: "", about: "", flags: { f: flag } }).parse([`--f=${value}`], (v) => v.f)).toEqual({
      help: false,
      options: expected,
    });
  });

  it.each<[Flag, string, string]>([
    [{ type: "integer", min: 0, help: "" }, "-1", "must be an integer of at least 0"],
    [{ type: "integer", max: 10, help: "" }, "11", "must be an integer from 1 to 10"],
    [{ type: "integer", min: Number.NEGATIVE_INFINITY, help: "" }, "1.5", "must be an integer,"],
    [{ type: "seconds", help: "" }, "0", "must be a positive whole number of seconds"],
    [{ type: "duration", help: "" }, "1d", "must be a duration of at least 1ms"],
    [
      { type: "duration", min: 100, max: 2 ** 31 - 1, zeroIsOff: true, bareSeconds: true, help: "" },
      "50ms",
      "must be 0 (off) or from 100ms to 596h, in seconds or like 500ms, 45s, 2m",
    ],
    [{ type: "duration", min: 2_000, max: 90_000, help: "" }, "1s", "must be a duration from 2s to 1m"],
    [
      { type: "url", schemes: ["http", "https"], example: "http://prometheus:9090", help: "" },
      "prom:9090",
      "must be an http:// or https:// URL",
    ],
  ])("rejects %j value %s", (flag, value, message) => {
    expect(() => command({ usage: "", about: "", flags: { f: flag } }).parse([`--f=${value}`], (v) => v)).toThrow(`--f ${message}`);
  });

  it("hands positionals and values to build, whose errors pass through", () => {
    const cli = command({ usage: "x FILE", about: "", positionals: true, flags: { out: { type: "string", help: "" } } });
    expect(cli.parse(["--out", "o", "f"], (v, files) => ({ ...v, files }))).toEqual({ help: false, options: { out: "o", files: ["f"] } });
    expect(() =>
      cli.parse([], () => {
        throw new Error("give one FILE");
      }),
    ).toThrow("give one FILE");
  });
});

describe("command help", () => {
  it("renders usage, each flag once with its choices, variable and default, and the footers", () => {
    expect(CLI.help).toBe(`Usage: demo --name NAME [options]

A program to test the flag table with.

Identity:
  --name NAME               who to greet (required)
Work:
  --workers N               concurrent workers (default: 4)
  --rate N                  requests per second (default: 0.5)
  --keepalive SECONDS       MQTT keepalive (default: 30)
  --interval DUR            how often to work (default: 1s)
  --verbose                 say more
  --leader-elect BOOL       elect a leader first (default: true)
  --log-level LEVEL         how much to log; logs are JSON lines on stdout (one of debug, info, warn, error;
                            default: info)
  --sensors LIST            what to read (comma list of cpu, memory; default: cpu)
  --url URL                 the broker (mqtt:// or mqtts://)
  --http-address HOST:PORT  /metrics (default: 0.0.0.0:8080)
  --count CLASS=N           a count (repeatable)
  --token VALUE             the token (env: DEMO_TOKEN)
  -h, --help                this help

Durations are a number with ms, s, m or h (e.g. 500ms, 1s, 2m).

See docs/demo.md.`);
  });

  it("puts a wide flag's description on the next line, and shows a default the program works out as told", () => {
    const cli = command({
      usage: ["one", "two"],
      about: "About.",
      flags: {
        "a-very-long-flag-name-indeed": { type: "duration", bareSeconds: true, zeroIsOff: true, arg: "DURATION", help: "wait" },
        id: { type: "string", default: "host-123", defaultText: "the hostname", help: "who" },
      },
    });
    expect(cli.help).toBe(`Usage: one
       two

About.

Options:
  --a-very-long-flag-name-indeed DURATION
                                wait (a bare number is seconds; 0 turns it off)
  --id VALUE                    who (default: the hostname)
  -h, --help                    this help

Durations are a number with ms, s, m or h (e.g. 500ms, 1s, 2m).`);
  });
});

describe("optionsOrExitCode", () => {
  it("returns the options, or prints the help (0) or the error and the help (2)", async () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const options = (): Parsed<{ a: number }> => ({ help: false, options: { a: 1 } });
      expect(await optionsOrExitCode("HELP", options)).toEqual({ a: 1 });
      expect(await optionsOrExitCode("HELP", options, async (o) => ({ ...o, b: 2 }))).toEqual({ a: 1, b: 2 });
      expect(await optionsOrExitCode("HELP", () => ({ help: true }))).toBe(0);
      expect(out).toHaveBeenCalledWith("HELP");
      expect(
        await optionsOrExitCode("HELP", () => {
          throw new Error("--x is required");
        }),
      ).toBe(2);
      expect(err).toHaveBeenCalledWith("--x is required\n\nHELP");
      expect(
        await optionsOrExitCode("HELP", options, () => {
          throw new Error("--tls-ca cannot be read");
        }),
      ).toBe(2);
      expect(err).toHaveBeenLastCalledWith("--tls-ca cannot be read\n\nHELP");
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe("readFlagFile", () => {
  it("reads the file a flag names, or fails naming the flag", () => {
    const file = join(tempDir(), "ca.pem");
    writeFileSync(file, "PEM");
    expect(readFlagFile("tls-ca", file).toString()).toBe("PEM");
    expect(() => readFlagFile("tls-ca", `${file}.missing`)).toThrow(/^--tls-ca cannot be read: ENOENT/);
  });
});
