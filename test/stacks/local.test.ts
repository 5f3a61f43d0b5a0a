import { X509Certificate } from "node:crypto";
import { HARDWARE_CLASSES } from "@edgefleet/stacks";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PolicyV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectApiAndCatalog } from "../helpers/platform-api.js";
import { LocalStack, startCluster } from "./local-stack.js";

// The real engine, language host and Kubernetes provider run the root Pulumi.yaml with the
// `local` stack's configuration against a real control plane with a kwok fleet.
const NAMESPACE = "edgefleet-system-test";
const NODES = 8;
/** The local stack's site (stacks/Pulumi.local.yaml): one of the fleet's two. */
const SITE = "factory-a";
const SEED = "seed-0123456789abcdef0123456789abcdef";
const stateDir = inject("stateDir");
let cluster: ReturnType<typeof startCluster>;
let stack: LocalStack;
let kc: KubeConfig;

const notFound = async (read: () => Promise<unknown>) => {
  try {
    await read();
    return false;
  } catch (err) {
    return (err as { code?: number }).code === 404;
  }
};

beforeAll(() => {
  cluster = startCluster("edgefleet-stacks", stateDir, NODES);
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  stack = new LocalStack("stacks-local-test", { stateDir, kubeconfig: cluster.kubeconfig, namespace: NAMESPACE });
  stack.init();
  // Pulumi issues the MQTT certificates from this seed; it must never reach the state in clear.
  stack.setSecret("edgefleet:mqttPkiSeed", SEED);
});

afterAll(() => {
  stack?.remove();
  cluster?.stop();
});

describe("the local stack with the real Pulumi engine", () => {
  it("`pulumi up` installs the API, the catalog and the workloads", async () => {
    const up = stack.timed("up", "--yes", "--skip-preview");
    console.log(`pulumi up (local stack, ${NODES}-node fleet): ${up.seconds.toFixed(1)}s`);
    expect(up.output).toMatch(/\+ \d+ created/);

    await expectApiAndCatalog(kc);

    const apps = kc.makeApiClient(AppsV1Api);
    // The gateway is a StatefulSet: its pod name is its MQTT client id, stable across restarts.
    for (const [name, replicas] of [
      ["edgefleet-operator", 2],
      ["edgefleet-telemetry-gateway", 1],
      ["edgefleet-mqtt", 1],
    ] as const) {
      const d =
        name === "edgefleet-telemetry-gateway"
          ? await apps.readNamespacedStatefulSet({ name, namespace: NAMESPACE })
          : await apps.readNamespacedDeployment({ name, namespace: NAMESPACE });
      expect(d.status?.availableReplicas, name).toBe(replicas);
      const pod = d.spec?.template.spec;
      expect(pod?.securityContext?.runAsNonRoot, name).toBe(true);
      for (const c of pod?.containers ?? []) {
        expect(c.securityContext?.readOnlyRootFilesystem, `${name}/${c.name}`).toBe(true);
        expect(Object.keys(c.resources?.limits ?? {}).sort(), `${name}/${c.name}`).toEqual(["cpu", "memory"]);
      }
    }
    // One agent DaemonSet per hardware class, each on the local stack's site's nodes of its class.
    const agents = await apps.listNamespacedDaemonSet({
      namespace: NAMESPACE,
      labelSelector: "app.kubernetes.io/name=edgefleet-edge-agent",
    });
    const siteNodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `edgefleet.io/site=${SITE}` });
    expect(siteNodes.items.length).toBeGreaterThan(0);
    expect(siteNodes.items.length).toBeLessThan(NODES);
    // An adopted cluster's agents cover every built-in class unless the config lists others.
    expect(agents.items.map((d) => d.metadata?.name).sort()).toEqual(
      Object.keys(HARDWARE_CLASSES)
        .map((c) => `edgefleet-edge-agent-${c}`)
        .sort(),
    );
    expect(agents.items.reduce((sum, d) => sum + (d.status?.numberReady ?? 0), 0)).toBe(siteNodes.items.length);

    expect(
      (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: "edgefleet-operator", namespace: NAMESPACE })).metadata?.name,
    ).toBe("edgefleet-operator");
    expect(
      (await kc.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({ name: "edgefleet-operator", namespace: NAMESPACE })).spec
        ?.minAvailable,
    ).toBe(1);
    const policies = await kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: NAMESPACE });
    expect(policies.items.map((p) => p.metadata?.name).sort()).toEqual([
      "default-deny",
      "edgefleet-edge-agent",
      "edgefleet-mqtt",
      "edgefleet-operator",
      "edgefleet-telemetry-gateway",
    ]);
    // The API server's own RBAC authorizer: the agents' ServiceAccount may do nothing (agents learn
    // their runtimes over MQTT), while the operator's may list the pods it publishes assignments from.
    const may = async (account: string, verb: string, resource: string, group = "") => {
      const user = `system:serviceaccount:${NAMESPACE}:${account}`;
      const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: { spec: { user, groups: ["system:serviceaccounts", "system:authenticated"], resourceAttributes: { verb, resource, group } } },
      });
      return review.status?.allowed ?? false;
    };
    const agentMay = (verb: string, resource: string, group = "") => may("edgefleet-edge-agent", verb, resource, group);
    expect(
      await Promise.all([
        agentMay("list", "pods"),
        agentMay("get", "daemonsets", "apps"),
        agentMay("watch", "pods"),
        agentMay("get", "pods"),
        agentMay("list", "secrets"),
        may("edgefleet-operator", "list", "pods"),
      ]),
    ).toEqual([false, false, false, false, false, true]);
    const configMaps = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedConfigMap({ namespace: NAMESPACE, labelSelector: "app.kubernetes.io/part-of=edgefleet" });
    const acl = configMaps.items.find((c) => c.metadata?.name === "edgefleet-mqtt")?.data?.acl;
    expect(acl).toContain(`pattern write edgefleet/v1/${SITE}/%u/+`);
    const tls = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: "edgefleet-mqtt-tls", namespace: NAMESPACE });
    const brokerCert = new X509Certificate(Buffer.from(tls.data?.["tls.crt"] ?? "", "base64"));
    const ca = new X509Certificate(Buffer.from(tls.data?.["ca.crt"] ?? "", "base64"));
    expect(brokerCert.checkIssued(ca) && brokerCert.verify(ca.publicKey)).toBe(true);
    expect(brokerCert.subjectAltName).toContain(`DNS:edgefleet-mqtt.${NAMESPACE}.svc`);
    const state = stack.exportState();
    expect(state).toContain("edgefleet-mqtt-tls");
    expect(state).not.toContain(SEED);
    expect(state).not.toContain("PRIVATE KEY");
    // No Prometheus Operator in the local cluster: the rules come as a ConfigMap.
    expect(configMaps.items.map((c) => c.metadata?.name).sort()).toEqual(["edgefleet-dashboards", "edgefleet-mqtt", "edgefleet-rules"]);
  });

  it("a second `pulumi up` changes nothing", () => {
    const again = stack.timed("up", "--yes", "--skip-preview", "--expect-no-changes");
    console.log(`pulumi up, no changes: ${again.seconds.toFixed(1)}s`);
    expect(again.output).toMatch(/\d+ unchanged/);
    expect(again.output).not.toMatch(/[+~-] \d+ (created|updated|deleted)/);
  });

  it("`pulumi preview` after a config change shows only that change", () => {
    stack.configure({ "edgefleet:operator": { replicas: 3 } });
    const preview = stack.timed("preview", "--diff");
    stack.configure({});
    expect(preview.output).toMatch(/~ 1 to update/);
    expect(preview.output).not.toMatch(/to create|to delete|to replace/);
    expect(preview.output).toMatch(/~ kubernetes:apps\/v1:Deployment: \(update\)\s+\[id=edgefleet-system-test\/edgefleet-operator\]/);
    expect(preview.output).toMatch(/~ replicas: 2 => 3/);
  });

  it("`pulumi up` with an invalid config fails before touching the cluster, naming the key", async () => {
    stack.configure({ "edgefleet:operator": { replicas: 0 }, "edgefleet:namespce": "x" });
    const bad = stack.run("up", "--yes", "--skip-preview");
    stack.configure({});
    expect(bad.status, bad.output).not.toBe(0);
    expect(bad.output).toContain("edgefleet:operator.replicas: must be an integer from 1 to 5, got 0");
    expect(bad.output).toContain("edgefleet:namespce: unknown key (did you mean namespace?)");
    expect(bad.output).not.toMatch(/^\s*[+~-]\s+kubernetes:/m);
    const operator = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "edgefleet-operator", namespace: NAMESPACE });
    expect(operator.spec?.replicas).toBe(2);
  });

  it("`pulumi destroy` leaves nothing behind", async () => {
    const destroy = stack.timed("destroy", "--yes", "--skip-preview");
    console.log(`pulumi destroy: ${destroy.seconds.toFixed(1)}s`);
    expect(await notFound(() => kc.makeApiClient(CoreV1Api).readNamespace({ name: NAMESPACE }))).toBe(true);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    expect((await ext.listCustomResourceDefinition({ labelSelector: "app.kubernetes.io/part-of=edgefleet" })).items).toEqual([]);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const selector = { labelSelector: "app.kubernetes.io/part-of=edgefleet" };
    expect((await rbac.listClusterRole(selector)).items).toEqual([]);
    expect((await rbac.listClusterRoleBinding(selector)).items).toEqual([]);
    expect(stack.exportState()).not.toMatch(/kubernetes:/);
  });
});
