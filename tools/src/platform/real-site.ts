import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ruleFiles } from "@edgefleet/dashboards";
import { certificateAuthority } from "@edgefleet/kit";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigPath } from "../cluster/paths.js";
import { provisionRealNodeHost, unprovisionRealNodeHost } from "../cluster/real-node-provision.js";
import { hostIp, loadImageArchives, realNodeName } from "../cluster/real-nodes.js";
import { loadToolchain } from "../cluster/toolchain.js";
import { type BuiltImage, buildImages } from "../images/build.js";
import type { OciRegistry } from "../services/oci-registry.js";
import { freePort } from "../services/ports.js";
import { type Prometheus, startPrometheus } from "../services/prometheus.js";
import { sampleModel } from "./edgemodel.js";
import { PULL_SECRET, startOciPublisher } from "./oci-publish.js";
import { LOCAL_HOST, localPki } from "./pki.js";
import { PUBLIC_KEY_REF, type PublishedArtifact, signingKey } from "./registry.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Rollout settings for a site of one real node: every step is that node, and its agent probes
 * each runtime every 5 s (its default), so a 120 s window holds about 24 samples. A p95 needs 20
 * or more to leave out one outlier: over 8 samples it was their maximum, and one answer slowed by
 * a loaded machine (80 ms from the 0.1 ms build) rolled a good build back.
 */
export const ONE_NODE_ROLLOUT = {
  steps: [100],
  pauseSeconds: 2,
  analysis: { windowSeconds: 120, minSamples: 20, maxFailures: 1, maxInconclusive: 6, latencyTolerance: 5, maxErrorRatio: 0.2 },
};

/**
 * The sample model's SLO on a site of one real node. With one node the canary has no stable
 * version beside it to be compared with (latency-vs-stable needs both in one window), so the
 * absolute limit alone tells the builds apart. On two loaded cores single answers of the tiny
 * build took up to 80 ms, so the limit sits at 100 ms, a bucket boundary of the latency
 * histogram, and the slower build is HEAVY_SPEC's (about 270 ms of inference alone on an idle machine, more under
 * load) rather than the 5 ms one the simulated fleets use.
 */
export const ONE_NODE_SLO = { p95LatencySeconds: 0.1 };

/** The sample model for a site of one real node: ONE_NODE_SLO and ONE_NODE_ROLLOUT. */
export const oneNodeModel = (o: { namespace: string; name: string; version: string; artifact: PublishedArtifact }) =>
  sampleModel({ ...o, slo: ONE_NODE_SLO, rollout: ONE_NODE_ROLLOUT });

export interface RealSiteOptions {
  /** The cluster's name; it is created with one real node and no kwok nodes. */
  readonly cluster: string;
  /** The registry's files, the site's certificates and Prometheus's data. */
  readonly dir: string;
  /** The site's MQTT CA seed (the stack's edgefleet:mqttPkiSeed): the node's identity is issued from it. */
  readonly seed: string;
  /** EDGEFLEET_STATE_DIR for the cluster. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface RealSite {
  readonly kubeconfig: string;
  /** The real node's name, and the address pods reach the host by. */
  readonly node: string;
  readonly address: string;
  /** edgefleet's images, loaded into the node's containerd. */
  readonly images: readonly BuiltImage[];
  /** The site's OCI registry (CNCF Distribution, TLS, a password). */
  readonly registry: OciRegistry;
  /** The CA the registry's certificate is issued by: the platform's artifact CA bundle. */
  readonly artifactCa: string;
  /**
   * Signs a model file with the site's publisher key and pushes it with its signature as an OCI
   * artifact; returns the variant's artifact field (oci://…@sha256:…, naming the pull Secret).
   */
  publish(model: string, version: string, bytes: Uint8Array): Promise<PublishedArtifact>;
  /** Flips a byte of a published file in the registry's storage: what a compromised registry would serve. */
  tamper(artifact: PublishedArtifact): void;
  /**
   * Creates a namespace for EdgeModels with the Secrets its variants name: the publisher's public
   * key (PUBLIC_KEY_REF) and the registry's credentials (PULL_SECRET).
   */
  createModelNamespace(namespace: string): Promise<void>;
  /** Where the site's Prometheus will listen, for the operator's rollout analysis. */
  readonly prometheusUrl: string;
  /**
   * Starts Prometheus with the SRE kit's rules, scraping the gateway and the operator of the
   * platform in namespace through their Services (one replica each: one view of the fleet, and the
   * leader's rollout assignments).
   */
  startPrometheus(namespace: string): Promise<Prometheus>;
  stop(): Promise<void>;
}

/**
 * A new site whose node is a real kubelet, for the platform as pods (tools/edgefleet demo --real-node
 * and the real-platform test): the cluster with one real node, edgefleet's images built here and
 * loaded into its containerd, the node provisioned as a K3s site provisions its hosts, and what a
 * site keeps outside the cluster: the OCI model registry and Prometheus, listening on the node's
 * address so pods reach them. Prometheus starts once the platform's Services exist: Debian's
 * Prometheus is built without Kubernetes service discovery, so it scrapes their addresses.
 */
export async function startRealSite(o: RealSiteOptions): Promise<RealSite> {
  const log = o.log ?? (() => undefined);
  const env = o.env ?? process.env;
  const images = await buildImages({ log, env });
  // A new cluster each time: one a stopped run left would resume with its old platform.
  const stopCluster = () =>
    spawnSync(process.execPath, ["--import", "tsx", "tools/src/cluster/cli.ts", "delete", "--name", o.cluster], { cwd: ROOT, env });
  stopCluster();
  log(`cluster ${o.cluster}: starting with one real node`);
  const started = spawnSync(
    process.execPath,
    ["--import", "tsx", "tools/src/cluster/cli.ts", "start", "--nodes", "0", "--real-nodes", "1", "--name", o.cluster],
    { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (started.status !== 0) throw new Error(`cluster start --real-nodes 1 --name ${o.cluster} failed:\n${started.stdout}${started.stderr}`);
  // Only now: cluster start refuses while another site's node runs, whose host directories these are.
  unprovisionRealNodeHost();
  // Closed in reverse: Prometheus, the registry, the cluster, then what the node left on the host.
  const closers: (() => Promise<unknown> | unknown)[] = [unprovisionRealNodeHost, stopCluster];
  const stop = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const node = realNodeName(0);
    await loadImageArchives(
      { toolchain: loadToolchain(env), cluster: o.cluster, env },
      images.map((i) => i.archive),
    );
    log(`real node ${node}: ${images.map((i) => i.name).join(", ")} imported into its containerd`);
    provisionRealNodeHost(node, certificateAuthority(o.seed));

    const address = hostIp();
    const pki = localPki(join(o.dir, "pki"));
    const key = signingKey(join(o.dir, "pki"));
    const publisher = await startOciPublisher({
      dir: join(o.dir, "registry"),
      host: address,
      tls: pki.issue(LOCAL_HOST, [LOCAL_HOST, address]),
      ca: pki.caPem,
      privateKeyPem: key.privateKeyPem,
    });
    const { registry } = publisher;
    closers.push(() => registry.service.stop());
    log(`registry: oci://${registry.address} (CNCF Distribution)`);
    const prometheusPort = await freePort();
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath(o.cluster, env));
    const core = kc.makeApiClient(CoreV1Api);
    return {
      kubeconfig: kubeconfigPath(o.cluster, env),
      node,
      address,
      images,
      registry,
      artifactCa: pki.caPem,
      prometheusUrl: `http://${address}:${prometheusPort}`,
      publish: (model, version, bytes) => publisher.publish(model, version, bytes),
      tamper: (artifact) => publisher.tamper(artifact),
      async createModelNamespace(namespace) {
        await core.createNamespace({ body: { metadata: { name: namespace } } });
        await core.createNamespacedSecret({
          namespace,
          body: { metadata: { name: PUBLIC_KEY_REF.name }, stringData: { [PUBLIC_KEY_REF.key]: key.publicKeyPem } },
        });
        await core.createNamespacedSecret({
          namespace,
          body: {
            metadata: { name: PULL_SECRET },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": publisher.dockerConfig },
          },
        });
      },
      async startPrometheus(namespace) {
        // The jobs are named after the Services, as the SRE kit's rules expect.
        const jobs = await Promise.all(
          ["edgefleet-telemetry-gateway", "edgefleet-operator"].map(async (name) => {
            const svc = await core.readNamespacedService({ name, namespace });
            return { job: name, targets: [`${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port}`] };
          }),
        );
        const prometheus = await startPrometheus({
          dir: join(o.dir, "prometheus"),
          host: address,
          port: prometheusPort,
          interval: "2s",
          ruleFiles: ruleFiles().map((f) => f.path),
          jobs,
        });
        closers.push(() => prometheus.service.dispose());
        log(`prometheus: ${prometheus.url}, scraping ${jobs.map((j) => `${j.job} at ${j.targets[0]}`).join(", ")}`);
        return prometheus;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
