import { type EdgeModel, LABELS, type ModelTrustPolicy, SIGNATURE_PUBLIC_KEYS_ENV } from "@edgefleet/api";
import { isNotFound, type KubeClient, RESOURCES } from "@edgefleet/kube";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { DEMO_FIELD_MANAGER } from "./field-manager.js";

/** The demo's trust step: the platform team's ModelTrustPolicy admits the sample model and refuses a stranger's. */
export interface TrustStepOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** The sample model, which the policy must keep admitting. */
  readonly model: string;
  /** The demo's signing key, the one the policy trusts. */
  readonly publicKeyPem: string;
  /** Where the demo's registry serves artifacts: the policy's only source. */
  readonly source: string;
  /** A model of the same shape whose artifacts come from elsewhere. */
  readonly stranger: EdgeModel;
  /** Resolves with how many devices serve the sample model, as they report it. */
  readonly servedAgain: () => Promise<number>;
  readonly say: (line: string) => void;
}

export const TRUST_POLICY = "edgefleet-demo";
const POLICIES = "/apis/edgefleet.io/v1alpha1/modeltrustpolicies";
const models = (namespace: string) => `/apis/edgefleet.io/v1alpha1/namespaces/${namespace}/edgemodels`;

/**
 * The policy the demo applies. It allows unscoped signatures because the sample model's variants
 * share one file signed once for the model and version (docs/artifacts.md, "Trust policies").
 */
export function demoPolicy(o: Pick<TrustStepOptions, "namespace" | "publicKeyPem" | "source">): ModelTrustPolicy {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "ModelTrustPolicy",
    metadata: { name: TRUST_POLICY },
    spec: {
      keys: [{ name: "demo", namespaces: [o.namespace], publicKey: o.publicKeyPem }],
      sources: [o.source],
      allowUnscopedSignatures: true,
    },
  };
}

async function deleteIfThere(client: KubeClient, path: string): Promise<void> {
  await client.request({ method: "DELETE", path }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}

/** Removes what the trust step applies, so every demo run (and the steps before it) starts without a policy. */
export async function resetTrust(client: KubeClient, namespace: string, stranger: string): Promise<void> {
  await deleteIfThere(client, `${POLICIES}/${TRUST_POLICY}`);
  await deleteIfThere(client, `${models(namespace)}/${stranger}`);
}

const condition = (m: EdgeModel, type: string) => m.status?.conditions?.find((c) => c.type === type);

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after 60s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Applies the policy, shows the sample model still admitted and the stranger refused with the policy named, then removes both. */
export async function trustStep(o: TrustStepOptions): Promise<void> {
  const read = (name: string) => () => o.client.request<EdgeModel>({ method: "GET", path: `${models(o.namespace)}/${name}` });

  await o.client.apply(RESOURCES.modelTrustPolicies, demoPolicy(o), DEMO_FIELD_MANAGER);
  o.say(`  ModelTrustPolicy ${TRUST_POLICY}: the demo's key may sign for namespace ${o.namespace}, artifacts only from ${o.source}`);
  const strangerName = o.stranger.metadata.name ?? "";
  await o.client.apply(RESOURCES.edgeModels, o.stranger, DEMO_FIELD_MANAGER);
  const refused = await waitFor(read(strangerName), (m) => condition(m, "Stalled")?.reason === "TrustPolicyRefused", "the refusal");
  // The message names every variant's problem; the first tells the story.
  const [first, ...more] = (condition(refused, "Stalled")?.message ?? "").split("; ");
  o.say(`  ${strangerName}: refused, placed nowhere: ${first}${more.length ? `; and ${more.length} more like it` : ""}`);
  // The policy's keys replace the tenant's Secret in the runtime pods' environment.
  const daemonSets = () =>
    o.client.request<{ items: V1DaemonSet[] }>({
      method: "GET",
      path: `/apis/apps/v1/namespaces/${o.namespace}/daemonsets?labelSelector=${encodeURIComponent(`${LABELS.model}=${o.model}`)}`,
    });
  const withPolicyKeys = (ds: V1DaemonSet) =>
    ds.spec?.template.spec?.initContainers?.some((c) => c.env?.some((e) => e.name === SIGNATURE_PUBLIC_KEYS_ENV)) === true;
  const { items } = await waitFor(daemonSets, (l) => l.items.length > 0 && l.items.every(withPolicyKeys), "the policy's key in the pods");
  const nodes = await o.servedAgain();
  o.say(
    `  ${o.model}: admitted; its ${items.length} DaemonSets give devices the policy's key instead of the tenant's Secret; ${nodes} devices serve it`,
  );
  await resetTrust(o.client, o.namespace, strangerName);
  o.say(`  policy and ${strangerName} removed (docs/artifacts.md#trust-policies has a policy to start from)`);
}
