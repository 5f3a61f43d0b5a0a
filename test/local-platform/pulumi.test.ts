import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPulumi } from "@edgefleet/tools";
import { afterAll, describe, expect, inject, it } from "vitest";
import { testCluster } from "../helpers/kube.js";

const program = fileURLToPath(new URL("../fixtures/pulumi-configmap", import.meta.url));
const stateDir = inject("stateDir");
const { core } = testCluster();
const run = (...args: string[]) => runPulumi(args, { cwd: program, stateDir, env: { KUBECONFIG: inject("kubeconfig") } });

async function configMap() {
  try {
    return await core.readNamespacedConfigMap({ name: "edgefleet-pulumi-smoke", namespace: "default" });
  } catch {
    return undefined;
  }
}

describe("the real Pulumi engine and Kubernetes provider against the local cluster", () => {
  afterAll(() => {
    run("stack", "rm", "smoke", "--yes", "--force");
  });

  it("keeps Pulumi offline with its state outside the repo", () => {
    const init = run("stack", "init", "smoke");
    expect(init.status, init.output).toBe(0);
    expect(existsSync(join(stateDir, "pulumi", "state", ".pulumi"))).toBe(true);
    expect(existsSync(join(program, ".pulumi"))).toBe(false);
  });

  it("creates a ConfigMap with `pulumi up`", async () => {
    const up = run("up", "--yes", "--skip-preview");
    expect(up.status, up.output).toBe(0);
    expect(up.output).toMatch(/\+ 2 created/);
    const cm = await configMap();
    expect(cm?.data).toEqual({ greeting: "hello from pulumi" });
    expect(cm?.metadata?.labels?.["app.kubernetes.io/part-of"]).toBe("edgefleet");
  });

  it("reports no changes on a second `pulumi up`", () => {
    const again = run("up", "--yes", "--skip-preview", "--expect-no-changes");
    expect(again.status, again.output).toBe(0);
    expect(again.output).toMatch(/2 unchanged/);
    expect(again.output).not.toMatch(/created|updated|deleted/);
  });

  it("removes the ConfigMap with `pulumi destroy`", async () => {
    const destroy = run("destroy", "--yes", "--skip-preview");
    expect(destroy.status, destroy.output).toBe(0);
    expect(await configMap()).toBeUndefined();
  });
});
