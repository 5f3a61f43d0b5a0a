import { execFile } from "node:child_process";

/** Runs a program and resolves with its stdout; injected so tests replay recorded output. */
export type CommandRunner = (program: string, args: readonly string[]) => Promise<string>;

/** The real runner, with a timeout so a hung driver cannot stall the telemetry loop. */
export function execRunner(options: { timeoutMs: number }): CommandRunner {
  return (program, args) =>
    new Promise((resolve, reject) => {
      execFile(program, args, { timeout: options.timeoutMs, encoding: "utf8" }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
}
