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

/** The operators a suite starts, all watching the suite's namespace (known once beforeAll ran). */
export class SuiteOperators {
  readonly all: OperatorProcess[] = [];

  constructor(private readonly at: () => { kubeconfig: string; namespace: string }) {}

  start(identity: string): OperatorProcess {
    const op = new OperatorProcess({ ...this.at(), identity });
    this.all.push(op);
    return op;
  }

  find(identity: string): OperatorProcess | undefined {
    return this.all.find((o) => o.identity === identity);
  }

  /** Kills every one still running; for afterAll. */
  async stop(): Promise<void> {
    await Promise.all(this.all.map((o) => o.stop()));
  }
}
