import { join } from "node:path";
import { silentLogger } from "@edgefleet/kit";
import { isNotFound, type KubeClient, RESOURCES } from "@edgefleet/kube";
import { LOCAL_HOST, localPki } from "../platform/pki.js";
import { startOciRegistry } from "../services/oci-registry.js";
import { BUILD_NODE_LABEL, BUILD_NODE_TOLERATION, BuildPods } from "../simulator/build-pods.js";
import { DEMO_FIELD_MANAGER } from "./field-manager.js";

/**
 * The simulated build node the --model-build and --federated-job steps register for their builds'
 * Jobs. It is tainted (BUILD_NODE_TAINT), so no model is placed on it while it exists; the steps'
 * builds tolerate the taint (DEMO_BUILD_PLACEMENT).
 */
export const DEMO_BUILD_NODE = "edgefleet-demo-builder";

/** The Secret a demo build signs with (its Ed25519 key in PEM), applied into the build's namespace. */
export async function applySigningSecret(
  client: KubeClient,
  secret: { name: string; namespace: string },
  privateKeyPem: string,
): Promise<void> {
  await client.apply(
    RESOURCES.secrets,
    { apiVersion: "v1", kind: "Secret", metadata: secret, stringData: { "ed25519.pem": privateKeyPem } },
    DEMO_FIELD_MANAGER,
  );
}

/**
 * Deletes the build node (and its lease) a run stopped by a signal left behind, so this run's
 * "served on every device" counts the devices only.
 */
export async function removeLeftoverBuildNode(client: KubeClient): Promise<void> {
  for (const path of [
    `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${DEMO_BUILD_NODE}`,
    `/api/v1/nodes/${DEMO_BUILD_NODE}`,
  ])
    await client.request({ method: "DELETE", path }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
}

/** The build node's labels: what the steps' builds select it by (their spec.nodeSelector). */
export const DEMO_BUILD_NODE_LABELS = { [BUILD_NODE_LABEL]: "edgefleet-demo" };

/** The steps' builds' placement (EdgeModelBuild spec fields): on the build node, tolerating its taint. */
export const DEMO_BUILD_PLACEMENT = { nodeSelector: DEMO_BUILD_NODE_LABELS, tolerations: [BUILD_NODE_TOLERATION] };

/**
 * Runs a demo step's builds' surroundings around fn: a real OCI registry (CNCF Distribution, HTTPS
 * from the platform's CA at pkiDir, anonymous pulls, as the build Job pulls) and the build node
 * running the builds' pods (the simulator's build-pod runner), both stopped when fn ends.
 */
export async function withDemoBuildSite<T>(
  o: { client: KubeClient; pkiDir: string; dir: string },
  fn: (registry: { address: string }) => Promise<T>,
): Promise<T> {
  const pki = localPki(o.pkiDir);
  const registry = await startOciRegistry({
    dir: join(o.dir, "oci-registry"),
    host: LOCAL_HOST,
    hostName: LOCAL_HOST,
    tls: pki.issue(LOCAL_HOST, [LOCAL_HOST]),
  });
  const builder = new BuildPods({
    client: o.client,
    node: DEMO_BUILD_NODE,
    labels: DEMO_BUILD_NODE_LABELS,
    tainted: true,
    dir: join(o.dir, "builds"),
    log: silentLogger,
    metrics: { restarted: () => {}, event: () => {}, objects: () => {} },
  });
  try {
    await builder.start();
    return await fn(registry);
  } finally {
    await builder.stop();
    await registry.service.dispose();
  }
}
