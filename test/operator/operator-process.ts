import { JsonLogProcess } from "../helpers/json-log-process.js";

/**
 * ModelTrustPolicies are cluster-wide, and suites run side by side in one cluster: each test
 * operator enforces only the policies labelled with its own namespace, so one suite's policy
 * never refuses another suite's models.
 */
export const TEST_POLICY_LABEL = "edgefleet.io/test-namespace";

export type { LogLine } from "../helpers/json-log-process.js";

/** The operator as a real process (node packages/operator/src/main.ts), so kills and restarts are real too. */
export class OperatorProcess extends JsonLogProcess {
  readonly identity: string;

  constructor(args: {
    kubeconfig: string;
    namespace: string;
    identity: string;
    extra?: string[];
    env?: NodeJS.ProcessEnv;
    /** Where it serves /metrics (default: a port of its own choosing), e.g. a port Prometheus scrapes. */
    httpAddress?: string;
  }) {
    super(
      `operator ${args.identity}`,
      "packages/operator/src/main.ts",
      [
        "--kubeconfig",
        args.kubeconfig,
        "--namespace",
        args.namespace,
        "--leader-election-namespace",
        args.namespace,
        "--identity",
        args.identity,
        "--http-address",
        args.httpAddress ?? "127.0.0.1:0",
        // Tests fail over in seconds; the operator's defaults are client-go's 15 s lease.
        ...(args.extra?.includes("--lease-duration") ? [] : ["--lease-duration", "3", "--renew-deadline", "2000", "--retry-period", "500"]),
        ...(args.extra?.some((a) => a.startsWith("--trust-policy-selector"))
          ? []
          : ["--trust-policy-selector", `${TEST_POLICY_LABEL}=${args.namespace}`]),
        ...(args.extra ?? []),
      ],
      args.env,
    );
    this.identity = args.identity;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Kills the process if it still runs; for afterAll. */
  async stop(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }
}

/** What the operator logs when its renew deadline passed, just before it exits 1 (packages/kube's lease). */
export const LEADERSHIP_LOST = "leadership lost: no renewal within the renew deadline";

/**
 * The operators a suite starts, all watching the suite's namespace (known once beforeAll ran).
 * Like the operator's Deployment, it starts an operator again (same identity) that exited 1
 * because its lease lapsed: the tests' 2 s renew deadline can pass on a loaded 2-core CI machine,
 * and exiting then is the operator's designed reaction (a standby or the restart takes over).
 */
export class SuiteOperators {
  readonly all: OperatorProcess[] = [];
  #stopping = false;

  constructor(private readonly at: () => { kubeconfig: string; namespace: string }) {}

  start(identity: string): OperatorProcess {
    const op = new OperatorProcess({ ...this.at(), identity });
    this.all.push(op);
    void op.exited.then((code) => {
      if (this.#stopping || code !== 1 || !op.logs.some((l) => l.msg === LEADERSHIP_LOST)) return;
      console.log(`operator ${identity}: its lease lapsed and it exited 1; started again, as its Deployment would`);
      this.start(identity);
    });
    return op;
  }

  /** The newest operator of this identity (a restarted one replaces the one that exited). */
  find(identity: string): OperatorProcess {
    const op = this.all.findLast((o) => o.identity === identity);
    if (!op) throw new Error(`no operator ${identity} was started`);
    return op;
  }

  /** The operators still running (not exited, not killed). */
  running(): OperatorProcess[] {
    return this.all.filter((o) => o.running);
  }

  /** Each operator's identity, exit code and last warnings or errors: what a failed wait prints. */
  describe(): string {
    return this.all
      .map((o) => {
        const problems = o.logs.filter((l) => l.level !== "info" && l.level !== "debug").slice(-3);
        return `${o.identity} (exit ${o.exitCode ?? "-"}): ${JSON.stringify(problems)}`;
      })
      .join("; ");
  }

  /** Kills every one still running; for afterAll. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.all.map((o) => o.stop()));
  }
}
