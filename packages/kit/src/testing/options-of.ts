import type { Parsed } from "../flags.js";

/** The options of a parse that was not --help, for tests that read what a program's flags gave. */
export function optionsOf<T>(parsed: Parsed<T>): T {
  if (parsed.help) throw new Error("expected options, got --help");
  return parsed.options;
}
