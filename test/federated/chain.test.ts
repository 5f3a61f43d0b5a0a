import type { BuildTarget, EdgeModel, FederatedTraining } from "@edgefleet/api";
import { buildModels } from "@edgefleet/test-models";
import { LOCAL_HOST, PUBLIC_KEY_REF, publishArtifact } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { GROUP_PATH } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";
import { DEVICE_CLASS, DEVICES, type FederatedBuildSuite, SIGNING_KEY_REF, startFederatedBuildSuite } from "./fixture.js";

/*
 * The whole chain of a federated result, every part real (test/federated/fixture.ts): a
 * FederatedTraining trains on the simulated devices (real Flower processes), its coordinator
 * signs and pushes the model, the operator creates the EdgeModelBuild, the build runs on the
 * build node and, with template.publish, signs and pushes its servable targets and applies them
 * as version 2.0 of the EdgeModel that the same devices serve as 1.0; the staged rollout takes
 * 2.0 through its steps on what the devices measure (the gateway, Prometheus) and promotes it;
 * every device then serves a 2.0 variant it fetched from the registry and verified by signature.
 */

const { kc, core } = testCluster();
const MODEL = "digits";
const JOB = "digits-fl-chain";
const TARGETS: BuildTarget[] = ["onnx-fp32", "onnx-int8-dynamic"];
let suite: FederatedBuildSuite;
let failed = false;

const modelPath = () => `${GROUP_PATH}/namespaces/${suite.ns}/edgemodels/${MODEL}`;
const getModel = () => suite.get<EdgeModel>(modelPath());

/** Version and variant each device serves, as Prometheus sees them through the gateway. */
async function serving(): Promise<Map<string, string>> {
  const rows = await suite.platform.prometheus.query(
    `max by (node, version, variant) (rate(edgefleet_inference_requests_total{namespace="${suite.ns}",model="${MODEL}"}[5s])) > 0`,
  );
  return new Map(rows.map((r) => [r.metric.node ?? "", `${r.metric.version} ${r.metric.variant}`]));
}

/** Waits until every device serves version, returning what each serves ("version variant"). */
const allServe = (version: string, timeoutMs = 180_000) =>
  eventually(
    `every device serving ${version} in Prometheus`,
    async () => {
      const now = await serving();
      return now.size === DEVICES && [...now.values()].every((v) => v.startsWith(`${version} `)) ? now : undefined;
    },
    timeoutMs,
  );

beforeAll(async () => {
  suite = await startFederatedBuildSuite({ kc, core, kubeconfig: inject("kubeconfig"), name: "fl-chain", analysisIntervalSeconds: 2 });
  // Version 1.0: a model of the platform's HTTPS registry signed with the suite's key, served by the training devices.
  const [good] = buildModels();
  if (!good) throw new Error("the model generator made no model");
  const artifact = publishArtifact({
    dir: suite.platform.registryDir,
    baseUrl: `https://${LOCAL_HOST}:${suite.platform.ports.artifacts}`,
    model: MODEL,
    version: "1.0",
    bytes: good.bytes,
    privateKeyPem: suite.key.privateKeyPem,
  });
  const res = await rawRequest(kc, {
    method: "POST",
    path: `${GROUP_PATH}/namespaces/${suite.ns}/edgemodels`,
    body: {
      apiVersion: "edgefleet.io/v1alpha1",
      kind: "EdgeModel",
      metadata: { name: MODEL },
      spec: {
        version: "1.0",
        variants: [{ name: "onnx-fp32", format: "onnx", precision: "fp32", artifact, requirements: { accelerators: ["cpu"] } }],
        placement: { nodeSelector: { "edgefleet.io/fleet-profile": suite.profile, "edgefleet.io/hardware-class": DEVICE_CLASS } },
        slo: { p95LatencySeconds: 0.05 },
        rollout: {
          steps: [50, 100],
          pauseSeconds: 2,
          // As test/e2e/ota.test.ts: a runtime being replaced fails the probes in flight to it.
          analysis: { windowSeconds: 10, minSamples: 10, maxFailures: 1, maxInconclusive: 3, latencyTolerance: 5, maxErrorRatio: 0.2 },
        },
      },
    },
  });
  expect(res.status, res.body.message).toBe(201);
}, 300_000);

afterAll(async () => {
  if (suite) await rawRequest(kc, { method: "DELETE", path: modelPath() }).catch(() => {});
  await suite?.stop(failed);
}, 90_000);

describe("a federated result, built, published and rolled out", () => {
  it("trains, builds and publishes version 2.0, which the staged rollout promotes onto every device, signatures verified", async () => {
    failed = true;
    const v1 = await allServe("1.0");
    expect([...v1.values()]).toEqual(Array(DEVICES).fill("1.0 onnx-fp32"));

    const to = `oci://${suite.registry.address}/models/digits-served`;
    const job: FederatedTraining = await suite.train(
      JOB,
      suite.trainingSpec({ targets: TARGETS, publish: { to, signingKeyRef: SIGNING_KEY_REF } }),
    );
    const created = job.status?.conditions?.find((c) => c.type === "BuildCreated");
    expect(created, created?.message).toMatchObject({ status: "True", reason: "Created" });

    // The build publishes: Published True, the EdgeModel has 2.0 with the pushed builds, by digest.
    // Published is decided in the status write that ends the build.
    const build = await suite.buildEnded(JOB, 600_000);
    const published = build.status?.conditions?.find((c) => c.type === "Published");
    expect(published, JSON.stringify(build.status?.conditions)).toMatchObject({ status: "True" });
    expect(build.status?.published?.edgeModel).toBe(MODEL);
    expect(build.status?.published?.version).toBe("2.0");
    const pushed = build.status?.published?.variants ?? [];
    expect(pushed.map((v) => v.name).sort()).toEqual(TARGETS);
    for (const v of pushed) expect(v.uri).toMatch(new RegExp(`^${to}@sha256:[a-f0-9]{64}$`));

    const applied = await getModel();
    expect(applied.spec.version).toBe("2.0");
    expect(applied.spec.variants.map((v) => [v.name, v.artifact.uri, v.artifact.sha256]).sort()).toEqual(
      pushed.map((v) => [v.name, v.uri, v.sha256]).sort(),
    );
    for (const v of applied.spec.variants) expect(v.artifact.signature?.publicKeyRef).toEqual(PUBLIC_KEY_REF);

    // The staged rollout goes through its steps on the devices' own measurements and promotes 2.0.
    const percents = new Set<number>();
    const promoted = await eventually(
      "the rollout of 2.0 promoted",
      async () => {
        const m = await getModel();
        const r = m.status?.rollout;
        if (r?.targetVersion === "2.0" && r.phase !== "Promoted") percents.add(r.percent);
        if (r?.phase === "RolledBack") throw new Error(`the rollout of 2.0 rolled back: ${r.reason}`);
        return r?.phase === "Promoted" && m.status?.stableVersion === "2.0" && m.status.observedGeneration === m.metadata.generation
          ? m
          : undefined;
      },
      300_000,
    );
    expect([...percents], promoted.status?.rollout?.reason).toContain(50);
    expect(promoted.status?.rollout?.lastAnalysis).toMatchObject({ verdict: "Pass" });
    const placed = promoted.status?.placements?.filter((p) => p.hardwareClass === DEVICE_CLASS) ?? [];
    expect(placed.length).toBeGreaterThan(0);
    for (const p of placed) expect(TARGETS).toContain(p.variant);

    // Every device serves a 2.0 variant the build published: fetched from the registry and verified by signature.
    const v2 = await allServe("2.0");
    for (const served of v2.values()) expect(TARGETS.map((t) => `2.0 ${t}`)).toContain(served);
    const refused = await suite.platform.prometheus.query(
      `sum(edgefleet_artifact_verification_failures_total{namespace="${suite.ns}",model="${MODEL}"})`,
    );
    expect(Number(refused[0]?.value[1] ?? 0)).toBe(0);
    failed = false;
  }, 1_500_000);
});
