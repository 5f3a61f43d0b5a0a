import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

export class ImageToolError extends Error {
  override name = "ImageToolError";
}

export interface RunOptions {
  /** Every output line is appended here. */
  readonly logFile?: string;
  /** Receives each output line as it comes (progress). */
  readonly onLine?: (line: string) => void;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs one of the container tools (buildah, skopeo, mmdebstrap, npm) and resolves to its stdout;
 * a failure names the command and ends with the last lines it printed, so the cause is on screen.
 */
export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let tail = "";
    let partial = "";
    const take = (text: string) => {
      tail = (tail + text).slice(-3000);
      if (opts.logFile) appendFileSync(opts.logFile, text);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) opts.onLine?.(line);
    };
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      take(d.toString());
    });
    child.stderr.on("data", (d: Buffer) => take(d.toString()));
    child.on("error", (err) =>
      reject(new ImageToolError(`${command}: ${err.message} (tools/edgefleet setup installs the container tools from Debian)`)),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(out.trim());
      else {
        const where = opts.logFile ? ` (full log: ${opts.logFile})` : "";
        reject(new ImageToolError(`${command} ${args.join(" ")} exited with ${code}${where}:\n${tail.trim()}`));
      }
    });
  });
}
