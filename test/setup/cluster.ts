import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeconfigPath } from "@edgefleet/tools";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

export const TEST_CLUSTER = "edgefleet-test";

declare module "vitest" {
  export interface ProvidedContext {
    /** Kubeconfig of the shared test cluster (a real control plane with the default kwok fleet). */
    kubeconfig: string;
    /** EDGEFLEET_STATE_DIR of the test run: its clusters and Pulumi state, deleted afterwards. */
    stateDir: string;
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync("node", ["--import", "tsx", "tools/src/cluster/cli.ts", ...args, "--name", TEST_CLUSTER], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`tools/edgefleet cluster ${args.join(" ")} failed (exit ${r.status}); see the output above`);
}

/**
 * Starts one real local cluster (etcd, kube-apiserver, kube-scheduler, kube-controller-manager,
 * kwok) with the default fleet for the whole run, through the same CLI users run, in a state
 * directory of its own so a developer's cluster is never touched.
 */
export default function setup(project: TestProject): () => void {
  const stateDir = mkdtempSync(join(tmpdir(), "edgefleet-test-"));
  const env = { ...process.env, EDGEFLEET_STATE_DIR: stateDir };
  const teardown = () => {
    try {
      cli(["delete"], env);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  try {
    cli(["start"], env);
  } catch (err) {
    // Vitest skips the teardown of a setup that threw: stop the control plane here.
    teardown();
    throw err;
  }
  project.provide("kubeconfig", kubeconfigPath(TEST_CLUSTER, env));
  project.provide("stateDir", stateDir);
  return teardown;
}
