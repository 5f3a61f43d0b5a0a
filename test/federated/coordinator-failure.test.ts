import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEDERATED_ENV, FEDERATED_LABELS, type FederatedJobConfig } from "@edgefleet/api";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { FederatedPods, loadToolchain } from "@edgefleet/tools";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * The fleet simulator's coordinator pods fail as a kubelet's would (restartPolicy Never, exit 1,
 * the reason as termination message), so the operator's CoordinatorFailed path runs on the local
 * platform too. Against the real API server and a kwok node; the coordinator's Flower SuperLink is
 * real, the Flower CLI that submits the run is replaced by one that exits 1.
 */

const { kc, core } = testCluster();
let ns: string;
let node: string;
let dir: string;
let client: KubeClient;
let pods: FederatedPods;

const JOB: FederatedJobConfig = {
  devices: 2,
  rounds: 1,
  devicesPerRoundPercent: 100,
  strategy: "FedAvg",
  secureAggregation: false,
  output: "/out",
};

beforeAll(async () => {
  ns = await freshNamespace(core, "fl-fail");
  node = await addProfileNode(kc, { profile: `fl-fail-${Date.now().toString(36)}`, hardwareClass: "fl-cpu", index: 1 });
  dir = mkdtempSync(join(tmpdir(), "edgefleet-fl-fail-"));
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")) });
  const toolchain = loadToolchain();
  pods = new FederatedPods({
    client,
    dir,
    // Everything real but `flwr run`, which fails as a ServerApp that raised does.
    toolchain: () => ({ ...toolchain, bin: (name) => (name === "flwr" ? "/bin/false" : toolchain.bin(name)) }),
    log: silentLogger,
    changed: () => {},
  });
});

afterAll(async () => {
  await pods?.stop();
  if (ns) await core.deleteNamespace({ name: ns });
  if (node) await core.deleteNode({ name: node });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function coordinatorPod(name: string, env: Record<string, string>): Promise<V1Pod> {
  const res = await rawRequest(kc, {
    method: "POST",
    path: `/api/v1/namespaces/${ns}/pods`,
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { [FEDERATED_LABELS.job]: name, [FEDERATED_LABELS.role]: "coordinator" } },
      spec: {
        nodeName: node,
        restartPolicy: "Never",
        containers: [
          { name: "coordinator", image: "example.com/coordinator:1", env: Object.entries(env).map(([n, value]) => ({ name: n, value })) },
        ],
      },
    },
  });
  expect(res.status, res.body.message).toBe(201);
  return res.body as V1Pod;
}

const read = (name: string) => core.readNamespacedPod({ name, namespace: ns });

/** Applies the pods as the simulator's passes do, until the pod has ended. */
async function failed(name: string): Promise<V1Pod> {
  return eventually(
    `${name} Failed`,
    async () => {
      const pod = await read(name);
      if (pod.status?.phase === "Failed") return pod;
      await pods.apply([pod]);
      return undefined;
    },
    60_000,
  );
}

describe("a simulated coordinator that cannot run", () => {
  it("fails its pod as a kubelet would when the run fails, with the reason as termination message, and does not start it again", async () => {
    await coordinatorPod("run-fails", {
      [FEDERATED_ENV.job]: JSON.stringify(JOB),
      [FEDERATED_ENV.progressConfigMap]: "run-fails-progress",
    });
    const pod = await failed("run-fails");
    const state = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(state).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(state?.message).toMatch(/^the federated run failed: flwr run exited with 1: see /);
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    // Another pass over the Failed pod starts nothing: it stays Failed, as a pod that does not restart.
    await pods.apply([pod]);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await read("run-fails")).status?.containerStatuses?.[0]?.state?.terminated?.finishedAt).toEqual(state?.finishedAt);
  });

  it("fails a coordinator pod without its settings, naming the variable", async () => {
    await coordinatorPod("no-settings", { [FEDERATED_ENV.job]: JSON.stringify(JOB) });
    const pod = await failed("no-settings");
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe(
      `the coordinator pod has no ${FEDERATED_ENV.progressConfigMap} in its environment`,
    );
  });
});
