import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModelBuild, FederatedTraining, FederatedTrainingSpec } from "@edgefleet/api";
import { generateSigningKey } from "@edgefleet/edge-agent";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import {
  BuildPods,
  dockerConfig,
  LOCAL_HOST,
  type LocalPlatform,
  localPki,
  type OciRegistry,
  PUBLIC_KEY_REF,
  SIMULATED_LOAD_ANNOTATION,
  startLocalPlatform,
  startOciRegistry,
} from "@edgefleet/tools";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";
import { stopE2ePlatform } from "../helpers/e2e-platform.js";
import { eventually, freshNamespace } from "../helpers/kube.js";
import { addProfileNode } from "../helpers/nodes.js";
import { GROUP_PATH, installApi } from "../operator/install.js";
import { TEST_POLICY_LABEL } from "../operator/operator-process.js";
import { rawRequest } from "../operator/raw-api.js";
import { operatorIdentity } from "../operator/service-account.js";

/** Where the coordinator writes the trained model on its node. */
export const OUTPUT = "/var/lib/edgefleet/fl";
/** The hardware class of the suite's training devices (two of them); the coordinator's node is another. */
export const DEVICE_CLASS = "fl-cpu";
export const DEVICES = 2;
/** The suite's devices' simulated load (sim.edgefleet.io/load). */
export const DEVICE_LOAD = 0.3;
/** The Secret holding the signing key the coordinator (and a publishing build) signs with. */
export const SIGNING_KEY_REF = { name: "model-signing", key: "ed25519.pem" } as const;
/** The dockerconfigjson Secret of a suite with registryCredentials. */
export const REGISTRY_CREDENTIALS = "registry-credentials";

/**
 * What a FederatedTraining with spec.build runs against, every part real: the operator and API
 * server, the local platform (the fleet simulator, whose coordinator runs real Flower processes,
 * Mosquitto, the gateway, Prometheus), the OCI registry (CNCF Distribution over HTTPS, its
 * certificate from the platform's CA, which the operator's --artifact-ca-bundle carries to the
 * coordinator and the build), a build node (the simulator's build-pod runner), and the signing
 * key's Secrets (the private key for the coordinator, the public one under the name the
 * platform's published artifacts and the builds name). Small for CI's two cores: 2 devices of
 * class fl-cpu and a coordinator node of class fl-hub, all of the suite's own fleet profile.
 */
export interface FederatedBuildSuite {
  readonly ns: string;
  readonly profile: string;
  readonly dir: string;
  readonly platform: LocalPlatform;
  readonly registry: OciRegistry;
  /** With registryCredentials: the docker config JSON that pulls from and pushes to registry (the Secret REGISTRY_CREDENTIALS holds it). */
  readonly registryAuth?: string;
  readonly key: ReturnType<typeof generateSigningKey>;
  /** kwok nodes the suite added, the build node included. */
  readonly nodes: readonly string[];
  /** A job of the suite's devices with spec.build into registry's models/digits, version 2.0, its template `template`. */
  trainingSpec(
    template?: Partial<NonNullable<FederatedTrainingSpec["build"]>["template"]>,
    signingKeyRef?: { name: string; key: string },
  ): FederatedTrainingSpec;
  /** Creates the job and waits until it has Failed, or Succeeded with its BuildCreated condition. */
  train(name: string, spec: FederatedTrainingSpec): Promise<FederatedTraining>;
  /** Waits until the EdgeModelBuild ended (Ready or Stalled True): its targets' verdicts and, with publish, Published are decided then. */
  buildEnded(name: string, timeoutMs: number): Promise<EdgeModelBuild>;
  get<T>(path: string): Promise<T>;
  stop(failed: boolean): Promise<void>;
}

export async function startFederatedBuildSuite(opts: {
  kc: KubeConfig;
  core: CoreV1Api;
  kubeconfig: string;
  name: string;
  /** The operator's rollout analysis interval, for a suite that rolls out what it builds. */
  analysisIntervalSeconds?: number;
  /**
   * A registry that serves no one anonymously, its credentials in the Secret REGISTRY_CREDENTIALS,
   * which the jobs' spec.build.registryCredentialsRef names: the coordinator pushes with it and the
   * build pulls with it.
   */
  registryCredentials?: boolean;
}): Promise<FederatedBuildSuite> {
  const { kc, core } = opts;
  await installApi(kc);
  const ns = await freshNamespace(core, opts.name);
  const profile = `${opts.name.slice(0, 8)}-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), `edgefleet-${opts.name}-`));
  const key = generateSigningKey();
  const nodes: string[] = [];
  // The devices' simulated load held at 30% (about 51 °C), not the agent's wave (up to 90%, 83 °C):
  // a test of telemetry eligibility then tells a hot device from them within a minute.
  const annotations = { [SIMULATED_LOAD_ANNOTATION]: String(DEVICE_LOAD) };
  for (let i = 1; i <= DEVICES; i++) nodes.push(await addProfileNode(kc, { profile, hardwareClass: DEVICE_CLASS, index: i, annotations }));
  nodes.push(await addProfileNode(kc, { profile, hardwareClass: "fl-hub", index: 1 }));
  // The operator as its own ServiceAccount, under the RBAC the platform deploys (its pods, ConfigMaps, Services, builds).
  const identity = await operatorIdentity(kc, ns);
  const platform = await startLocalPlatform({
    kubeconfig: opts.kubeconfig,
    operatorKubeconfig: identity.kubeconfig,
    dir,
    freePorts: true,
    scrapeInterval: "1s",
    ...(opts.analysisIntervalSeconds ? { analysisIntervalSeconds: opts.analysisIntervalSeconds } : {}),
    // Only its own namespace's trust policies (none): other suites' policies are theirs.
    operatorArgs: [
      ...["--namespace", ns, "--leader-election-namespace", ns, "--identity", opts.name],
      ...["--trust-policy-selector", `${TEST_POLICY_LABEL}=${ns}`],
    ],
    simulatorNodeSelector: `edgefleet.io/fleet-profile=${profile}`,
  });
  // The platform's CA (which the operator's --artifact-ca-bundle holds) issues the registry's certificate.
  const pki = localPki(join(dir, "pki"));
  const user = { username: "trainer", password: randomUUID() };
  const registry = await startOciRegistry({
    dir: join(dir, "oci"),
    host: LOCAL_HOST,
    hostName: LOCAL_HOST,
    tls: pki.issue(LOCAL_HOST, [LOCAL_HOST]),
    ...(opts.registryCredentials ? { users: { [user.username]: user.password } } : {}),
  });
  const registryAuth = opts.registryCredentials ? dockerConfig(registry.address, user) : undefined;
  if (registryAuth)
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: REGISTRY_CREDENTIALS },
        type: "kubernetes.io/dockerconfigjson",
        stringData: { ".dockerconfigjson": registryAuth },
      },
    });
  const client = new KubeClient({ credentials: await loadCredentials(opts.kubeconfig) });
  // The build node: a Node of this suite's own, outside the fleet profile the devices are picked from.
  nodes.push(`${ns}-builder`);
  const builds = new BuildPods({
    client,
    node: `${ns}-builder`,
    labels: { "edgefleet.io/build-node": ns },
    dir: join(dir, "builder"),
    log: silentLogger,
    metrics: { restarted: () => {}, event: () => {}, objects: () => {} },
  });
  await builds.start();
  for (const [name, data] of [
    [SIGNING_KEY_REF.name, { [SIGNING_KEY_REF.key]: key.privateKeyPem }],
    [PUBLIC_KEY_REF.name, { [PUBLIC_KEY_REF.key]: key.publicKeyPem }],
  ] as const)
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: data } });

  const get = async <T>(path: string): Promise<T> => (await rawRequest(kc, { method: "GET", path })).body as unknown as T;
  return {
    ns,
    profile,
    dir,
    platform,
    registry,
    ...(registryAuth ? { registryAuth } : {}),
    key,
    nodes,
    get,
    trainingSpec: (template = {}, signingKeyRef = SIGNING_KEY_REF) => ({
      model: "digits",
      trainer: { image: "registry.example/digits-fl:1" },
      rounds: 2,
      devicesPerRoundPercent: 100,
      eligibility: { hardwareClasses: [DEVICE_CLASS], nodeSelector: { "edgefleet.io/fleet-profile": profile } },
      output: { path: OUTPUT },
      coordinator: { nodeSelector: { "edgefleet.io/fleet-profile": profile, "edgefleet.io/hardware-class": "fl-hub" } },
      build: {
        to: `oci://${registry.address}/models/digits`,
        version: "2.0",
        signingKeyRef,
        publicKeyRef: PUBLIC_KEY_REF,
        ...(registryAuth ? { registryCredentialsRef: { name: REGISTRY_CREDENTIALS } } : {}),
        template: {
          targets: ["onnx-fp32", "onnx-int8-dynamic"],
          maxAccuracyDropPoints: 5,
          nodeSelector: { "edgefleet.io/build-node": ns },
          ...template,
        },
      },
    }),
    async train(name, spec) {
      const res = await rawRequest(kc, {
        method: "POST",
        path: `${GROUP_PATH}/namespaces/${ns}/federatedtrainings`,
        body: { apiVersion: "edgefleet.io/v1alpha1", kind: "FederatedTraining", metadata: { name }, spec },
      });
      expect(res.status, res.body.message).toBe(201);
      const job = await eventually(
        `${name} Succeeded and its build created (or not)`,
        async () => {
          const j = await get<FederatedTraining>(`${GROUP_PATH}/namespaces/${ns}/federatedtrainings/${name}`);
          return j.status?.phase === "Failed" || j.status?.conditions?.some((c) => c.type === "BuildCreated") ? j : undefined;
        },
        900_000,
      );
      expect(job.status?.phase).toBe("Succeeded");
      return job;
    },
    buildEnded: (name, timeoutMs) =>
      eventually(
        `the EdgeModelBuild ${name} ended`,
        async () => {
          const b = await get<EdgeModelBuild>(`${GROUP_PATH}/namespaces/${ns}/edgemodelbuilds/${name}`);
          return b.status?.conditions?.some((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True") ? b : undefined;
        },
        timeoutMs,
      ),
    async stop(failed) {
      await builds.stop();
      await registry.service.dispose();
      client.close();
      await stopE2ePlatform({ kc, core, platform, nodes, ns, dir }, failed, ["operator", "simulator"], 60);
      await identity.remove();
    },
  };
}
