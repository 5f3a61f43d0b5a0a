import { JsonLogProcess } from "../helpers/json-log-process.js";

export type { LogLine } from "../helpers/json-log-process.js";

export interface AgentArgs {
  readonly brokerUrl: string;
  readonly spoolDir: string;
  readonly site?: string;
  readonly node?: string;
  /** Further flags, e.g. ["--interval", "100ms"]. */
  readonly extra?: readonly string[];
}

/** The edge agent as a real process (node packages/edge-agent/src/agent/main.ts), so kills and stops are real too. */
export class AgentProcess extends JsonLogProcess {
  constructor(args: AgentArgs) {
    super("agent", "packages/edge-agent/src/agent/main.ts", [
      "--site",
      args.site ?? "plant-3",
      "--node",
      args.node ?? "orin-07",
      "--hardware-class",
      "orin-agx",
      "--broker-url",
      args.brokerUrl,
      "--spool-dir",
      args.spoolDir,
      "--sensors",
      "simulated",
      "--http-address",
      "127.0.0.1:0",
      ...(args.extra ?? []),
    ]);
  }

  /** SIGKILL (after SIGCONT, in case it was stopped) and wait for the exit. */
  async kill(): Promise<void> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    await this.exited;
  }
}
