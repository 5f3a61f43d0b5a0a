import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { type PulumiResult, runPulumi } from "./cli.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface StackFile {
  config?: Record<string, unknown>;
  encryptionsalt?: string;
}

/**
 * The `local` stack's configuration (stacks/Pulumi.local.yaml) pointed at another cluster and
 * namespace, written to a file of its own in the state dir, so the tests and the demo's real
 * site never edit the tracked stack file.
 */
export class LocalStack {
  readonly configFile: string;

  constructor(
    readonly stack: string,
    private readonly opts: { stateDir: string; kubeconfig: string; namespace: string },
  ) {
    // In the state dir, which the caller removes with the rest of its state.
    this.configFile = join(mkdtempSync(join(opts.stateDir, "stack-config-")), `Pulumi.${stack}.yaml`);
    this.configure({});
  }
  /**
   * Rewrites the config file: Pulumi.local.yaml's keys, the given cluster and namespace, then
   * `extra`; secrets set with setSecret (and the salt they are encrypted with) are kept.
   */
  configure(extra: Record<string, unknown>): void {
    const local = parse(readFileSync(join(ROOT, "stacks/Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    const current = (existsSync(this.configFile) ? parse(readFileSync(this.configFile, "utf8")) : null) as StackFile | null;
    const secrets = Object.entries(current?.config ?? {}).filter(([, v]) => typeof v === "object" && v !== null && "secure" in v);
    const config = {
      ...local.config,
      // The local stack's cluster section (its site) with the test cluster's kubeconfig.
      "edgefleet:cluster": { ...(local.config["edgefleet:cluster"] as object), kubeconfig: this.opts.kubeconfig },
      "edgefleet:namespace": this.opts.namespace,
      ...Object.fromEntries(secrets),
      ...extra,
    };
    writeFileSync(this.configFile, stringify({ config, ...(current?.encryptionsalt ? { encryptionsalt: current.encryptionsalt } : {}) }));
  }

  /** `pulumi config set --secret`: encrypted into the config file, as a user would. */
  setSecret(key: string, value: string): void {
    const r = this.cli("config", "set", "--secret", key, value, "--stack", this.stack, "--config-file", this.configFile);
    if (r.status !== 0) throw new Error(`pulumi config set --secret ${key} failed:\n${r.output}`);
  }

  /** `pulumi <command>` (up, preview, destroy) on the root Pulumi.yaml with this stack and config file. */
  run(command: string, ...args: string[]): PulumiResult {
    return this.cli(command, ...args, "--stack", this.stack, "--config-file", this.configFile);
  }

  init(): void {
    const r = this.cli("stack", "init", this.stack);
    if (r.status !== 0) throw new Error(`pulumi stack init ${this.stack} failed:\n${r.output}`);
  }

  /**
   * The stack's state as `pulumi stack export` writes it (secrets stay encrypted); through a file,
   * since the state (the CRDs' schemas) outgrows what spawnSync buffers from a pipe.
   */
  exportState(): string {
    const file = join(this.opts.stateDir, `${this.stack}-state.json`);
    const r = this.cli("stack", "export", "--stack", this.stack, "--file", file);
    if (r.status !== 0) throw new Error(`pulumi stack export failed:\n${r.output}`);
    return readFileSync(file, "utf8");
  }

  remove(): PulumiResult {
    return this.cli("stack", "rm", this.stack, "--yes", "--force");
  }

  private cli(...args: string[]): PulumiResult {
    return runPulumi(args, { cwd: ROOT, stateDir: this.opts.stateDir });
  }

  /** Runs and returns seconds taken, throwing with the output when the command fails. */
  timed(command: string, ...args: string[]): { seconds: number; output: string } {
    const t = performance.now();
    const r = this.run(command, ...args);
    if (r.status !== 0) throw new Error(`pulumi ${command} ${args.join(" ")} failed (exit ${r.status}):\n${r.output}`);
    return { seconds: (performance.now() - t) / 1000, output: r.output };
  }
}
