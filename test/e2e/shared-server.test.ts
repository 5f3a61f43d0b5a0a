import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeRuntime } from "@edgefleet/api";
import { EXPLICIT_MODEL_CONTROL_ARGS, IMAGE_NAMES, imageReference } from "@edgefleet/api";
import { buildCnn, buildModels, type CnnSpec, MODEL_SPECS } from "@edgefleet/test-models";
import {
  LOCAL_HOST,
  type LocalPlatform,
  type PublishedArtifact,
  publishArtifact,
  runningLoaders,
  serverStartTime,
  startLocalPlatform,
} from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { namespaceSigningKey, stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace, rolloutEndedAs, testCluster } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { applyRuntime, deleteRuntime, GROUP_PATH, installApi } from "../operator/install.js";
import { rawRequest } from "../operator/raw-api.js";

/*
 * Two models on a runtime with serving: Shared, on the simulated fleet: each node runs one CPU
 * runtime process under explicit model control, and each model's pod is the real model loader,
 * which loads the verified file into it. One model's rollout loads and unloads its versions in that
 * process while the other model goes on answering, the process never restarted.
 */

const { kc, core } = testCluster();
const NODES = 2;
const MODELS = ["a", "b"];
// ONNX int4: a format and precision only this suite's runtime serves, so no other suite's models land on it.
const RUNTIME = "e2e-shared-onnx";
let ns: string;
let profile: string;
let dir: string;
let platform: LocalPlatform;
let failed = false;
const created: string[] = [];
const artifacts = new Map<string, PublishedArtifact>();

const sharedRuntime: EdgeRuntime = {
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeRuntime",
  metadata: { name: RUNTIME },
  spec: {
    image: imageReference(IMAGE_NAMES.cpuRuntime),
    args: EXPLICIT_MODEL_CONTROL_ARGS,
    ports: [{ name: "http", containerPort: 8080 }],
    supportedFormats: [{ format: "onnx", precisions: ["int4"] }],
    accelerators: [{ kind: "cpu" }],
    architectures: ["amd64"],
    serving: "Shared",
  },
};

const modelPath = (name: string) => `${GROUP_PATH}/namespaces/${ns}/edgemodels/${name}`;

function model(name: string, version: string): EdgeModel {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name, namespace: ns },
    spec: {
      version,
      variants: [
        {
          name: "onnx-int4",
          format: "onnx",
          precision: "int4",
          artifact: artifacts.get(`${name}@${version}`) as PublishedArtifact,
          requirements: { accelerators: ["cpu"] },
        },
      ],
      placement: { nodeSelector: { "edgefleet.io/fleet-profile": profile } },
      rollout: {
        steps: [50, 100],
        pauseSeconds: 2,
        analysis: { windowSeconds: 10, minSamples: 10, maxFailures: 1, maxInconclusive: 3, latencyTolerance: 5, maxErrorRatio: 0.2 },
      },
    },
  } as EdgeModel;
}

async function served(name: string, version: string): Promise<void> {
  await eventually(
    `every node answering ${name} ${version} in Prometheus`,
    async () => {
      const rows = await platform.prometheus.query(
        `sum by (node) (rate(edgefleet_inference_requests_total{namespace="${ns}",model="${name}",version="${version}"}[5s])) > 0`,
      );
      return rows.length === NODES ? true : undefined;
    },
    180_000,
  );
}

beforeAll(async () => {
  await installApi(kc);
  ns = await freshNamespace(core, "shared");
  profile = `shared-${Date.now().toString(36)}`;
  dir = mkdtempSync(join(tmpdir(), "edgefleet-shared-"));
  for (let i = 1; i <= NODES; i++) created.push(await addProfileNode(kc, { profile, hardwareClass: "shared-cpu", index: i }));
  await applyRuntime(kc, sharedRuntime);
  platform = await startLocalPlatform({
    kubeconfig: inject("kubeconfig"),
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    analysisIntervalSeconds: 2,
    operatorArgs: ["--namespace", ns, "--leader-election-namespace", ns, "--identity", "shared"],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  const key = await namespaceSigningKey(core, ns, join(dir, "pki"));
  const [detector] = buildModels();
  if (!detector) throw new Error("the model generator lost a model");
  const baseUrl = `https://${LOCAL_HOST}:${platform.ports.artifacts}`;
  // Each model's own build: a signature names the model it was made for.
  const publish = (name: string, version: string, bytes: Uint8Array) =>
    artifacts.set(
      `${name}@${version}`,
      publishArtifact({ dir: platform.registryDir, baseUrl, model: name, version, bytes, privateKeyPem: key.privateKeyPem }),
    );
  for (const name of MODELS) publish(name, "1.0.0", detector.bytes);
  publish("a", "1.1.0", buildCnn({ ...(MODEL_SPECS[0] as CnnSpec), seed: 7 }, "shared"));
  for (const name of MODELS) {
    const res = await rawRequest(kc, { method: "POST", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels`, body: model(name, "1.0.0") });
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${res.body.message}`);
  }
}, 240_000);

afterAll(async () => {
  await stopE2ePlatform({ kc, core, platform, nodes: created, ns, dir }, failed, ["operator", "simulator"], 30);
  await deleteRuntime(kc, RUNTIME);
}, 60_000);

describe("a runtime with serving: Shared on the simulated fleet", () => {
  let servers: Map<string, string>;

  it("serves both models on every node from one runtime process per node, through their model loaders", async () => {
    try {
      for (const name of MODELS) await served(name, "1.0.0");
      const running = runningLoaders(ns);
      const byModel = (name: string) => new Set(running.filter((l) => l.model === name).map((l) => l.server));
      expect(byModel("a").size).toBe(NODES);
      // The same processes serve both models.
      expect([...byModel("b")].sort()).toEqual([...byModel("a")].sort());
      servers = new Map(await Promise.all([...byModel("a")].map(async (s) => [s, await serverStartTime(s)] as const)));
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 240_000);

  it("rolls a to a new version through the same processes while b answers on without errors", async () => {
    try {
      const res = await rawRequest(kc, {
        method: "PATCH",
        path: modelPath("a"),
        body: { spec: model("a", "1.1.0").spec },
        contentType: "application/merge-patch+json",
      });
      expect(res.status).toBe(200);
      await rolloutEndedAs(
        async () => (await rawRequest(kc, { method: "GET", path: modelPath("a") })).body as unknown as EdgeModel,
        "1.1.0",
        "Promoted",
        180_000,
      );
      await served("a", "1.1.0");
      const running = runningLoaders(ns);
      expect(running.filter((l) => l.model === "a").map((l) => l.version)).toEqual(Array(NODES).fill("1.1.0"));
      for (const [server, started] of servers) expect(await serverStartTime(server)).toBe(started);
      const [errors] = await platform.prometheus.query(`sum(edgefleet_inference_errors_total{namespace="${ns}",model="b"})`);
      expect(Number(errors?.value[1] ?? 0)).toBe(0);
    } catch (err) {
      failed = true;
      throw err;
    }
  }, 240_000);
});
