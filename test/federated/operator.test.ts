import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FederatedTraining, FederatedTrainingStatus } from "@edgefleet/api";
import { type LocalPlatform, startLocalPlatform } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { GROUP_PATH, installApi } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * A FederatedTraining on the kwok fleet, end to end: the real API server, the real operator
 * placing a coordinator pod and a client pod per eligible node, the fleet simulator running them
 * as real Flower processes (SuperLink, ServerApp, one SuperNode per client), the coordinator's
 * rounds reaching status through its progress ConfigMap. Small for CI's two cores: 4 eligible
 * devices, 2 a round, 3 rounds; a fifth joins once the job runs, a fourth leaves after round 1.
 */

const { kc, core } = testCluster();
const JOB = "digits-fl";
const OUTPUT = "/var/lib/edgefleet/fl";
let ns: string;
let profile: string;
let dir: string;
let platform: LocalPlatform;
let failed = false;
const eligible: string[] = [];
const created: string[] = [];

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "fl");
  profile = `fl-${Date.now().toString(36)}`;
  dir = mkdtempSync(join(tmpdir(), "edgefleet-fl-"));
  for (let i = 1; i <= 4; i++) eligible.push(await addProfileNode(kc, { profile, hardwareClass: "fl-cpu", index: i }));
  created.push(...eligible, await addProfileNode(kc, { profile, hardwareClass: "fl-hub", index: 1 }));
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    operatorArgs: ["--namespace", ns, "--leader-election-namespace", ns, "--identity", "federated"],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
}, 240_000);

afterAll(async () => {
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failed, ["operator", "simulator"], 40);
}, 60_000);

const job = async (): Promise<FederatedTraining> =>
  (await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${ns}/federatedtrainings/${JOB}` }))
    .body as unknown as FederatedTraining;

async function statusWhen(what: string, ok: (s: FederatedTrainingStatus) => boolean, timeoutMs: number): Promise<FederatedTrainingStatus> {
  return eventually(
    what,
    async () => {
      const s = (await job()).status;
      return s && ok(s) ? s : undefined;
    },
    timeoutMs,
  );
}

const clientPods = async () =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: "edgefleet.io/federated-role=client" })).items.map((p) => p.spec?.nodeName);

describe("a FederatedTraining on the simulated fleet", () => {
  it("trains on the eligible nodes only, takes in a node that becomes eligible, drops one that stops being, and writes the model", async () => {
    failed = true;
    const spec = {
      model: "digits",
      trainer: { image: "registry.example/digits-fl:1" },
      rounds: 3,
      devicesPerRoundPercent: 50,
      eligibility: { hardwareClasses: ["fl-cpu"], nodeSelector: { "edgefleet.io/fleet-profile": profile } },
      output: { path: OUTPUT },
      coordinator: { nodeSelector: { "edgefleet.io/fleet-profile": profile, "edgefleet.io/hardware-class": "fl-hub" } },
    };
    const res = await rawRequest(kc, {
      method: "POST",
      path: `${GROUP_PATH}/namespaces/${ns}/federatedtrainings`,
      body: { apiVersion: "edgefleet.io/v1alpha1", kind: "FederatedTraining", metadata: { name: JOB }, spec },
    });
    expect(res.status, res.body.message).toBe(201);

    const running = await statusWhen("the job running on its devices", (s) => s.phase === "Running" && s.devices === 4, 60_000);
    expect(running.clients).toEqual([...eligible].sort());
    expect((await clientPods()).sort()).toEqual([...eligible].sort());

    // A device becomes eligible while the job runs: it joins, as partition 4, and Flower samples from it too.
    const joiner = await addProfileNode(kc, { profile, hardwareClass: "fl-cpu", index: 5 });
    created.push(joiner);
    const joined = await statusWhen("the new device in the job", (s) => s.devices === 5 && (s.clients ?? []).includes(joiner), 60_000);
    expect(joined.phase).toBe("Running");
    await eventually("the new device's client pod", async () => ((await clientPods()).includes(joiner) ? true : undefined), 60_000);

    const first = await statusWhen("round 1 in status", (s) => (s.rounds?.length ?? 0) >= 1, 420_000);
    expect(first.rounds?.[0]).toMatchObject({ round: 1, sampled: 2 });
    // A device leaves eligibility: its client goes, and training carries on with the others.
    const leaving = eligible[3] ?? "";
    await rawRequest(kc, {
      method: "PATCH",
      path: `/api/v1/nodes/${leaving}`,
      body: { metadata: { labels: { "edgefleet.io/hardware-class": "fl-hot" } } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the leaving node's client pod gone", async () => ((await clientPods()).includes(leaving) ? undefined : true), 60_000);

    const done = await statusWhen("the job Succeeded", (s) => s.phase === "Succeeded", 600_000);
    expect(done.rounds?.map((r) => r.round)).toEqual([1, 2, 3]);
    for (const r of done.rounds ?? []) {
      expect(r.participants + r.dropouts).toBe(r.sampled);
      expect(r.available).toBeGreaterThanOrEqual(r.sampled);
      expect(r.available).toBeLessThanOrEqual(5);
    }
    // The ServerApp asked the joiner's SuperNode for its device id: it was among those rounds sample from.
    const traffic = readFileSync(join(dir, "devices", "federated", `${ns}-${JOB}`, "traffic.jsonl"), "utf8");
    const devicesSeen = new Set(
      traffic
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => String(JSON.parse(l).device)),
    );
    expect([...devicesSeen]).toContain("4");
    expect(done.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    expect(done.output?.model).toBe(`${OUTPUT}/digits-federated.onnx`);
    expect(existsSync(join(dir, "devices", done.output?.node ?? "", "hostpath", OUTPUT, "digits-federated.onnx"))).toBe(true);
    await eventually("the job's pods gone", async () => ((await clientPods()).length === 0 ? true : undefined), 60_000);
    failed = false;
  }, 1_200_000);
});
