import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EdgeModelBuild, FederatedTraining, FederatedTrainingSpec } from "@edgefleet/api";
import { ArtifactCache, Installer } from "@edgefleet/edge-agent";
import { SIMULATED_LOAD_ANNOTATION, SIMULATED_OFFLINE_ANNOTATION } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { GROUP_PATH } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";
import { DEVICE_CLASS, DEVICES, type FederatedBuildSuite, OUTPUT, REGISTRY_CREDENTIALS, startFederatedBuildSuite } from "./fixture.js";

/*
 * A FederatedTraining with spec.build, end to end (test/federated/fixture.ts: the real operator
 * and API server, the fleet simulator's coordinator running real Flower processes, the real OCI
 * registry over HTTPS, serving no one without credentials): the coordinator signing the trained
 * model with the key of a Secret and pushing it and its data to the registry with the credentials
 * of spec.build.registryCredentialsRef, the operator creating the EdgeModelBuild from the result,
 * and that build pulling them with the same credentials on a build node (the simulator's build-pod
 * runner) to its targets' verdicts. Small for CI's two cores: 2 devices, both every round, 2 rounds.
 */

const { kc, core } = testCluster();
const JOB = "digits-fl-build";
let suite: FederatedBuildSuite;
let failed = false;

beforeAll(async () => {
  suite = await startFederatedBuildSuite({ kc, core, kubeconfig: inject("kubeconfig"), name: "fl-build", registryCredentials: true });
}, 300_000);

afterAll(async () => {
  await suite?.stop(failed);
}, 90_000);

/** Creates a job without waiting for it (suite.train waits for its end). */
async function createTraining(name: string, spec: FederatedTrainingSpec): Promise<void> {
  const res = await rawRequest(kc, {
    method: "POST",
    path: `${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings`,
    body: { apiVersion: "edgefleet.io/v1alpha1", kind: "FederatedTraining", metadata: { name }, spec },
  });
  expect(res.status, res.body.message).toBe(201);
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("a FederatedTraining with spec.build", () => {
  it("signs and pushes the trained model and its data, and hands them to an EdgeModelBuild that builds its targets", async () => {
    failed = true;
    const job = await suite.train(JOB, suite.trainingSpec());
    const condition = job.status?.conditions?.find((c) => c.type === "BuildCreated");
    expect(condition, condition?.message).toMatchObject({ status: "True", reason: "Created" });
    expect(job.status?.build).toEqual({ name: JOB });

    const build = await suite.get<EdgeModelBuild>(`${GROUP_PATH}/namespaces/${suite.ns}/edgemodelbuilds/${JOB}`);
    expect(build.metadata.ownerReferences?.[0]).toMatchObject({ kind: "FederatedTraining", name: JOB, uid: job.metadata.uid });
    expect(build.spec).toMatchObject({
      model: "digits",
      version: "2.0",
      targets: ["onnx-fp32", "onnx-int8-dynamic"],
      maxAccuracyDropPoints: 5,
    });
    const { source, calibration, evaluation } = build.spec;
    expect(source.uri).toMatch(new RegExp(`^oci://${suite.registry.address}/models/digits@sha256:[a-f0-9]{64}$`));
    expect(source.signature).toEqual({ uri: source.uri, publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" } });

    // What the coordinator wrote on its node is what was pushed.
    const out = join(suite.dir, "devices", job.status?.output?.node ?? "", "hostpath", OUTPUT);
    expect(source.sha256).toBe(sha256(join(out, "digits-federated.onnx")));
    expect(calibration?.sha256).toBe(sha256(join(out, "digits-calibration.npz")));
    expect(evaluation.sha256).toBe(sha256(join(out, "digits-evaluation.npz")));

    // The build pulls each file with the job's registry credentials (the registry refuses anonymous pulls).
    expect([source, calibration, evaluation].map((f) => f?.pullSecretRef)).toEqual(Array(3).fill({ name: REGISTRY_CREDENTIALS }));

    // The edge agent's installer fetches it from the registry and verifies its signature for this
    // namespace, model and version: with the credentials, not without.
    const extraCa = readFileSync(join(suite.dir, "pki", "ca.crt"), "utf8");
    const artifact = { uri: source.uri, sha256: source.sha256, sizeBytes: source.sizeBytes };
    const signature = { uri: source.signature?.uri ?? "", publicKeyPem: suite.key.publicKeyPem };
    const anonymous = new Installer({
      cache: ArtifactCache.open({ root: join(suite.dir, "anonymous-cache") }),
      fetchers: { https: { extraCa } },
    });
    const refused = await anonymous.install({ namespace: suite.ns, model: "digits", version: "2.0", artifact: { ...artifact, signature } });
    expect(refused.installed ? "installed" : refused.refusal.message).toMatch(/HTTP 401/);
    const installer = new Installer({
      cache: ArtifactCache.open({ root: join(suite.dir, "verify-cache") }),
      fetchers: { https: { extraCa }, oci: { ...(suite.registryAuth ? { registryAuth: suite.registryAuth } : {}) } },
    });
    const installed = await installer.install({
      namespace: suite.ns,
      model: "digits",
      version: "2.0",
      artifact: { ...artifact, signature },
    });
    expect(installed.installed, installed.installed ? "" : installed.refusal.message).toBe(true);
    const replayed = await installer.install({
      namespace: suite.ns,
      model: "digits",
      version: "3.0",
      artifact: { ...artifact, signature },
    });
    expect(replayed.installed ? "installed" : replayed.refusal.reason).toBe("version-mismatch");

    // The build runs on the build node to each target's verdict.
    const done = await suite.buildEnded(JOB, 420_000);
    const ready = done.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready, JSON.stringify(done.status?.conditions)).toMatchObject({ status: "True", reason: "Built" });
    expect(done.status?.targets?.map((t) => [t.target, t.verdict])).toEqual([
      ["onnx-fp32", "Built"],
      ["onnx-int8-dynamic", "Built"],
    ]);
    failed = false;
  }, 1_500_000);

  it("without its signing key Secret: Succeeded, BuildCreated False naming the Secret, a Warning, no build", async () => {
    failed = true;
    const name = "digits-fl-nokey";
    const job = await suite.train(name, suite.trainingSpec({}, { name: "absent-signing-key", key: "ed25519.pem" }));
    const condition = job.status?.conditions?.find((c) => c.type === "BuildCreated");
    expect(condition).toMatchObject({ status: "False", reason: "PushFailed" });
    expect(condition?.message).toContain("absent-signing-key");
    expect(job.status?.build).toBeUndefined();
    const missing = await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/namespaces/${suite.ns}/edgemodelbuilds/${name}` });
    expect(missing.status).toBe(404);
    await eventually(
      "the BuildNotCreated Event",
      async () => {
        const { body } = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${suite.ns}/events` });
        const events = (body.items ?? []) as { reason?: string; regarding?: { name?: string } }[];
        return events.some((e) => e.reason === "BuildNotCreated" && e.regarding?.name === name) ? true : undefined;
      },
      30_000,
    );
    failed = false;
  }, 1_000_000);
});

describe("a FederatedTraining whose coordinator no node fits", () => {
  it("is Degraded, saying what the real scheduler says and what chooses the node, with a Warning", async () => {
    failed = true;
    const name = "digits-fl-nowhere";
    await createTraining(name, { ...suite.trainingSpec(), coordinator: { nodeSelector: { "edgefleet.io/hardware-class": "nowhere" } } });
    try {
      const degraded = await eventually(`${name} Degraded for its coordinator`, async () => {
        const j = await suite.get<FederatedTraining>(`${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${name}`);
        const c = j.status?.conditions?.find((x) => x.type === "Degraded");
        return c?.reason === "PodNotStarting" ? c : undefined;
      });
      expect(degraded.status).toBe("True");
      expect(degraded.message).toMatch(/^pod digits-fl-nowhere-coordinator cannot start: Unschedulable: 0\/\d+ nodes are available: /);
      expect(degraded.message).toMatch(/spec.coordinator.nodeSelector chooses the coordinator's node$/);
      await eventually("the PodNotStarting Event", async () => {
        const { body } = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${suite.ns}/events` });
        const events = (body.items ?? []) as { type?: string; reason?: string; regarding?: { name?: string } }[];
        return events.some((e) => e.reason === "PodNotStarting" && e.type === "Warning" && e.regarding?.name === name) ? true : undefined;
      });
      failed = false;
    } finally {
      await rawRequest(kc, { method: "DELETE", path: `${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${name}` });
    }
  }, 120_000);
});

describe("a FederatedTraining's eligibility from telemetry", () => {
  it("leaves out a device busier than maxCpuUtilizationPercent, then hotter than maxTemperatureCelsius, then throttling, as the gateway's metrics in Prometheus say", async () => {
    failed = true;
    // A third device, its simulated load steered to 97% from its first reading (the suite's devices
    // run at 30%, about 51 °C): its 5-minute CPU average is 97% as soon as it has one, and its
    // temperature climbs from 35 °C towards 86 °C, past 60 °C within a minute.
    const hot = await addProfileNode(kc, {
      profile: suite.profile,
      hardwareClass: DEVICE_CLASS,
      index: DEVICES + 1,
      annotations: { [SIMULATED_LOAD_ANNOTATION]: "0.97" },
    });
    const name = "digits-fl-busy";
    const throttledJob = "digits-fl-throttled";
    const read = () => suite.get<FederatedTraining>(`${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${name}`);
    const reasonFor = (j: FederatedTraining) => j.status?.excluded?.find((e) => e.node === hot)?.reason;
    try {
      // Its load in Prometheus first: a job created before would take it, eligible for lack of a reading.
      await eventually(
        `${hot}'s load in Prometheus`,
        async () => {
          const found = await suite.platform.prometheus.query(`edgefleet_device_cpu_utilization_ratio{cpu="all",node="${hot}"}`);
          return found.length > 0 ? found : undefined;
        },
        120_000,
      );
      // Three devices wanted, two eligible: the job waits, and says who is left out and why.
      const spec = suite.trainingSpec();
      const eligibility = { ...spec.eligibility, maxCpuUtilizationPercent: 92, maxTemperatureCelsius: 60 };
      await createTraining(name, { ...spec, minDevices: DEVICES + 1, eligibility });
      const busy = await eventually(
        `${hot} left out of ${name}`,
        async () => {
          const j = await read();
          return reasonFor(j) ? j : undefined;
        },
        120_000,
      );
      expect(busy.status?.phase).toBe("Pending");
      // The temperature rule comes first; while the device is still cool its load leaves it out.
      const first = reasonFor(busy);
      expect(first === "CPUs 97% busy over 5 minutes, above 92%" || first?.startsWith("temperature "), first).toBe(true);
      const hotter = await eventually(
        `${hot} left out for its temperature`,
        async () => {
          const j = await read();
          return reasonFor(j)?.startsWith("temperature ") ? j : undefined;
        },
        150_000,
      );
      expect(reasonFor(hotter)).toMatch(/^temperature \d+(\.\d)? °C is above 60 °C$/);
      // Every node of the cluster is judged: the suite's other devices stay eligible.
      const excluded = new Set(hotter.status?.excluded?.map((e) => e.node));
      expect(suite.nodes.filter((n) => n.includes(`-${DEVICE_CLASS}-`) && excluded.has(n))).toEqual([]);

      // Still heating: past 80 °C (about two minutes at 97%) its sensor reports throttling, which
      // a job with excludeThrottled alone leaves it out for. It wants more devices than there are,
      // so it waits: all three are eligible until the device throttles, and a job that started
      // would train on them.
      await createTraining(throttledJob, {
        ...spec,
        minDevices: DEVICES + 2,
        eligibility: { ...spec.eligibility, excludeThrottled: true },
      });
      await eventually(
        `${hot} left out of ${throttledJob} for throttling`,
        async () => {
          const j = await suite.get<FederatedTraining>(`${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${throttledJob}`);
          return reasonFor(j) === "throttling" ? j : undefined;
        },
        240_000,
      );
      failed = false;
    } finally {
      for (const job of [name, throttledJob])
        await rawRequest(kc, { method: "DELETE", path: `${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${job}` });
      await core.deleteNode({ name: hot }).catch(() => {});
    }
  }, 600_000);

  it("leaves out a device that went offline in the last hour more often than maxRecentDisconnects", async () => {
    failed = true;
    const flaky = await addProfileNode(kc, { profile: suite.profile, hardwareClass: DEVICE_CLASS, index: DEVICES + 2 });
    const name = "digits-fl-flaky";
    const up = async (value: number) => {
      const found = await suite.platform.prometheus.query(`edgefleet_device_up{node="${flaky}"}`);
      return found.some((r) => Number(r.value[1]) === value) ? true : undefined;
    };
    const annotate = (value: string | null) =>
      rawRequest(kc, {
        method: "PATCH",
        path: `/api/v1/nodes/${flaky}`,
        body: { metadata: { annotations: { [SIMULATED_OFFLINE_ANNOTATION]: value } } },
        contentType: "application/merge-patch+json",
      });
    try {
      // Up, then offline long enough for a scrape to see it down, then back: one fall of edgefleet_device_up.
      await eventually(`${flaky} up in Prometheus`, () => up(1), 120_000);
      await annotate("true");
      await eventually(`${flaky} down in Prometheus`, () => up(0), 120_000);
      await annotate(null);
      await eventually(`${flaky} up again in Prometheus`, () => up(1), 120_000);
      const spec = suite.trainingSpec();
      await createTraining(name, { ...spec, minDevices: DEVICES + 1, eligibility: { ...spec.eligibility, maxRecentDisconnects: 0 } });
      const left = await eventually(
        `${flaky} left out of ${name}`,
        async () => {
          const j = await suite.get<FederatedTraining>(`${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${name}`);
          return j.status?.excluded?.find((e) => e.node === flaky) ? j : undefined;
        },
        120_000,
      );
      expect(left.status?.excluded?.find((e) => e.node === flaky)?.reason).toBe("1 disconnects in the last hour, more than 0");
      failed = false;
    } finally {
      await rawRequest(kc, { method: "DELETE", path: `${GROUP_PATH}/namespaces/${suite.ns}/federatedtrainings/${name}` });
      await core.deleteNode({ name: flaky }).catch(() => {});
    }
  }, 480_000);
});
