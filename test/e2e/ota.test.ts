import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel } from "@edgefleet/api";
import { buildCnn, buildModels, type CnnSpec, MODEL_SPECS } from "@edgefleet/test-models";
import {
  LOCAL_HOST,
  type LocalPlatform,
  type PublishedArtifact,
  publishArtifact,
  sampleModel,
  startLocalPlatform,
  tamperArtifact,
} from "@edgefleet/tools";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { namespaceSigningKey, stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, rolloutEndedAs, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { installApi } from "../operator/install.js";
import { TEST_POLICY_LABEL } from "../operator/operator-process.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * The whole chain, every part real: kwok nodes, the operator with rollout analysis, the fleet
 * simulator running the edge agent and the CPU runtime per node, verified artifacts from an HTTPS
 * registry, Mosquitto with the shipped TLS config and ACL, the gateway, Prometheus with the SRE
 * kit's rules. Nothing is fed to Prometheus but what the simulated devices measure.
 */

const { kc, core } = testCluster();
const CLASSES = ["e2e-a", "e2e-b"];
const NODES_PER_CLASS = 3;
const MODEL = "detector";
let ns: string;
let profile: string;
let dir: string;
let platform: LocalPlatform;
const created: string[] = [];
const artifacts = new Map<string, PublishedArtifact>();

const modelPath = () => `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels/${MODEL}`;

async function getModel(): Promise<EdgeModel> {
  return (await rawRequest(kc, { method: "GET", path: modelPath() })).body as unknown as EdgeModel;
}

async function setVersion(version: string): Promise<void> {
  const artifact = artifacts.get(version);
  if (!artifact) throw new Error(`no artifact for ${version}`);
  const spec = specFor(version, artifact);
  const res = await rawRequest(kc, { method: "PATCH", path: modelPath(), body: { spec }, contentType: "application/merge-patch+json" });
  if (res.status !== 200) throw new Error(`patching ${MODEL}: ${res.status} ${res.body.message}`);
}

function specFor(version: string, artifact: PublishedArtifact) {
  return sampleModel({
    namespace: ns,
    name: MODEL,
    version,
    artifact,
    placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
    // Devices report the runtime's own timing: the good build takes ~0.02 ms per inference, the
    // slow one ~8 ms, more when the suite loads this machine's two cores. The relative limit
    // catches the slow build on a quiet machine, the SLO on a busy one, where every build's p95
    // swings several-fold from one window to the next (a CI run saw the good build's p95 past
    // 2.2 ms, so that the slow one's 11 ms passed both a 20 ms SLO and 5 times the stable p95):
    // 6 ms is under the slow build's quiet time and far over the good build's swings.
    slo: { p95LatencySeconds: 0.006 },
    rollout: {
      steps: [34, 67, 100],
      pauseSeconds: 2,
      // A runtime being replaced fails the probes in flight to it: a few percent of errors
      // while nodes switch are expected, a broken build fails them all.
      analysis: { windowSeconds: 10, minSamples: 10, maxFailures: 1, maxInconclusive: 3, latencyTolerance: 5, maxErrorRatio: 0.2 },
    },
  }).spec;
}

/** Versions each simulated node serves, as Prometheus sees them through the gateway. */
async function servingInPrometheus(): Promise<Map<string, string>> {
  const rows = await platform.prometheus.query(
    `max by (node, version) (rate(edgefleet_inference_requests_total{namespace="${ns}",model="${MODEL}"}[5s])) > 0`,
  );
  return new Map(rows.map((r) => [r.metric.node ?? "", r.metric.version ?? ""]));
}

async function allNodesServe(version: string, timeoutMs = 120_000): Promise<void> {
  await eventually(
    `every node serving ${version} in Prometheus`,
    async () => {
      const serving = await servingInPrometheus();
      return serving.size === created.length && [...serving.values()].every((v) => v === version) ? true : undefined;
    },
    timeoutMs,
  );
}

/** The rollout of version has ended as want, for the model's latest generation. */
const ended = (version: string, want: string) => rolloutEndedAs(getModel, version, want, 180_000);

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "e2e");
  profile = `e2e-${Date.now().toString(36)}`;
  dir = mkdtempSync(join(tmpdir(), "edgefleet-e2e-"));
  for (const cls of CLASSES) {
    for (let i = 1; i <= NODES_PER_CLASS; i++) {
      const name = await addProfileNode(kc, { profile, hardwareClass: cls, index: i, labels: { "edgefleet.io/site": "e2e-site" } });
      created.push(name);
    }
  }
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    analysisIntervalSeconds: 2,
    // Only its own namespace's trust policies (none): other suites' policies are theirs.
    operatorArgs: [
      "--namespace",
      ns,
      "--leader-election-namespace",
      ns,
      "--identity",
      "e2e",
      "--trust-policy-selector",
      `${TEST_POLICY_LABEL}=${ns}`,
    ],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  const key = await namespaceSigningKey(core, ns, join(dir, "pki"));
  const [good, slow] = buildModels();
  if (!good || !slow) throw new Error("the model generator lost a model");
  const baseUrl = `https://${LOCAL_HOST}:${platform.ports.artifacts}`;
  const publish = (version: string, bytes: Uint8Array) =>
    artifacts.set(
      version,
      publishArtifact({ dir: platform.registryDir, baseUrl, model: MODEL, version, bytes, privateKeyPem: key.privateKeyPem }),
    );
  publish("1.0.0", good.bytes);
  publish("1.1.0", good.bytes);
  publish("1.2.0", slow.bytes);
  // A build no node has cached (the cache is content-addressed: a tampered copy of bytes a node
  // already verified is never downloaded at all).
  publish("1.3.0", buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed: 99 }, "e2e"));
  const tampered = artifacts.get("1.3.0");
  if (tampered) tamperArtifact(platform.registryDir, tampered);
}, 180_000);

const failures: string[] = [];
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") failures.push(ctx.task.name);
});

afterAll(async () => {
  await rawRequest(kc, { method: "DELETE", path: modelPath() }).catch(() => {});
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failures.length > 0, ["operator", "simulator", "gateway"]);
}, 60_000);

describe("OTA through the whole local platform", () => {
  it("serves the first version on every node, measured by the devices and seen in Prometheus", async () => {
    const model = sampleModel({ namespace: ns, name: MODEL, version: "1.0.0", artifact: artifacts.get("1.0.0") as PublishedArtifact });
    const res = await rawRequest(kc, {
      method: "POST",
      path: `/apis/edgefleet.io/v1alpha1/namespaces/${ns}/edgemodels`,
      body: { ...model, spec: specFor("1.0.0", artifacts.get("1.0.0") as PublishedArtifact) },
    });
    expect(res.status).toBe(201);
    await allNodesServe("1.0.0");
    const [up] = await platform.prometheus.query(`sum(edgefleet_device_up{node=~"${profile}.*"})`);
    expect(Number(up?.value[1])).toBe(created.length);
  }, 180_000);

  it("promotes a good version through every step", async () => {
    await setVersion("1.1.0");
    await ended("1.1.0", "Promoted");
    await eventually("currentVersion 1.1.0", async () => ((await getModel()).status?.currentVersion === "1.1.0" ? true : undefined));
    await allNodesServe("1.1.0");
  }, 240_000);

  it("rolls a slower version back automatically, explaining why, and every node returns to the good one", async () => {
    await setVersion("1.2.0");
    const rolledBack = await ended("1.2.0", "RolledBack");
    expect(rolledBack.status?.rollout?.reason).toMatch(/latency/i);
    await eventually("currentVersion 1.1.0", async () => ((await getModel()).status?.currentVersion === "1.1.0" ? true : undefined));
    await allNodesServe("1.1.0");
  }, 240_000);

  it("refuses a tampered artifact: the refusal reaches Prometheus and the node keeps serving its version", async () => {
    await setVersion("1.3.0");
    await eventually(
      "the digest mismatch counted in Prometheus",
      async () => {
        const rows = await platform.prometheus.query(
          `sum(edgefleet_artifact_verification_failures_total{namespace="${ns}",model="${MODEL}",version="1.3.0",reason="digest-mismatch"})`,
        );
        return Number(rows[0]?.value[1] ?? 0) > 0 ? true : undefined;
      },
      120_000,
    );
    const serving = await servingInPrometheus();
    expect(serving.size).toBe(created.length);
    expect([...serving.values()].every((v) => v === "1.1.0")).toBe(true);
    const rolledBack = await ended("1.3.0", "RolledBack");
    expect(rolledBack.status?.rollout?.reason).toMatch(/digest-mismatch/);
  }, 240_000);
});
