import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EdgeModel, ModelVariant } from "@edgefleet/api";
import { generateSigningKey } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runInstall } from "../artifacts/install-command.js";
import { publish } from "../artifacts/publish.js";
import { startServer, type TestServer } from "../artifacts/server.js";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, converged, EdgeModels } from "./edgemodels.js";
import { GROUP_PATH, installApi } from "./install.js";
import { OperatorProcess, TEST_POLICY_LABEL } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { operatorNamespace } from "./service-account.js";

/*
 * The platform team's ModelTrustPolicy against the real API server and operator: a model its
 * namespace has no key for is refused naming the policy; with two keys (a rotation) models signed
 * by either are placed, their pods carry both keys, and the real install command, run with the
 * init container's own environment, verifies each signature; a version below the policy's minimum
 * is refused naming the policy and the field.
 */

const { kc, core } = testCluster();
const tempDir = useTempDirs("operator-trust-policy");
const PLACEMENT = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" },
  maxNodesPerClass: 1,
};
// The tenant's Secret does not even exist: under a policy the platform's keys verify.
const TENANT_KEY = { name: "tenant-key", key: "key.pem" };
const oldKey = generateSigningKey();
const newKey = generateSigningKey();

let ns: string;
let server: TestServer;
let models: EdgeModels;
let operator: OperatorProcess | undefined;

beforeAll(async () => {
  await installApi(kc);
  let kubeconfig: string;
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-trust"));
  server = await startServer("operator-trust-policy");
  const caFile = join(tempDir(), "ca.pem");
  writeFileSync(caFile, server.ca);
  operator = new OperatorProcess({
    kubeconfig,
    namespace: ns,
    identity: "trust",
    extra: [`--artifact-ca-bundle=${caFile}`],
  });
  await operator.waitForLog("controller started");
  models = new EdgeModels(kc, ns);
});

afterAll(async () => {
  await operator?.stop();
  await server?.close();
  if (ns) {
    await rawRequest(kc, { method: "DELETE", path: `${GROUP_PATH}/modeltrustpolicies/${policyName()}` });
    await core.deleteNamespace({ name: ns }).catch(() => {});
  }
});

const policyName = () => `platform-${ns}`;
const indent = (pem: string, spaces: number) => pem.trim().replace(/\n/g, `\n${" ".repeat(spaces)}`);

/** The policy as docs/artifacts.md shows it, with this suite's names, keys and artifact server. */
function policyYaml(namespaces: string[]): string {
  return `apiVersion: edgefleet.io/v1alpha1
kind: ModelTrustPolicy
metadata:
  name: ${policyName()}
  labels:
    ${TEST_POLICY_LABEL}: ${ns}
spec:
  keys:
    - name: vision-2026
      namespaces: [${namespaces.join(", ")}]
      publicKey: |
        ${indent(oldKey.publicKeyPem, 8)}
    - name: vision-2027
      namespaces: [${namespaces.join(", ")}]
      publicKey: |
        ${indent(newKey.publicKeyPem, 8)}
  sources:
    - ${server.origin}/
  maxArtifactBytes: 1073741824
`;
}

async function applyPolicy(
  namespaces: string[],
  allowUnscopedSignatures = false,
  minimumVersions?: { models: string[]; version: string }[],
): Promise<void> {
  const policy = parse(policyYaml(namespaces));
  if (allowUnscopedSignatures) policy.spec.allowUnscopedSignatures = true;
  if (minimumVersions) policy.spec.minimumVersions = minimumVersions;
  const res = await rawRequest(kc, {
    method: "PATCH",
    path: `${GROUP_PATH}/modeltrustpolicies/${policyName()}?fieldManager=edgefleet-test&force=true`,
    body: policy,
    contentType: "application/apply-patch+yaml",
  });
  if (res.status >= 300) throw new Error(`applying the policy: ${res.status} ${res.body.message}`);
}

/**
 * A signed onnx variant of `model`, published on the test server and signed with `key`: the v2
 * statement for this namespace (or `namespace`), or the older v1 statement when namespace is null.
 */
function signedVariant(model: string, key: { privateKeyPem: string; publicKeyPem: string }, namespace: string | null = ns): ModelVariant {
  const scope = namespace === null ? {} : { scope: { namespace, variant: "onnx-fp32" } };
  const { spec } = publish(server, { model, version: "1.0.0", key, ...scope });
  return {
    name: "onnx-fp32",
    format: "onnx",
    precision: "fp32",
    artifact: {
      uri: spec.uri,
      sha256: spec.sha256,
      sizeBytes: spec.sizeBytes,
      signature: { uri: spec.signature?.uri ?? "", publicKeyRef: TENANT_KEY },
    },
    requirements: { accelerators: ["cpu"] },
  };
}

const createModel = (name: string, variant: ModelVariant) =>
  models.create(name, { version: "1.0.0", variants: [variant], placement: PLACEMENT });

const when = (name: string, type: string, reason?: string) =>
  eventually(`${name} ${type}=True${reason ? ` (${reason})` : ""}`, async () => {
    const m = await models.get(name);
    const c = m && condition(m, type);
    return m && converged(m) && c?.status === "True" && (reason === undefined || c.reason === reason) ? m : undefined;
  });

async function daemonSetOf(model: string, ready: (ds: V1DaemonSet) => boolean = () => true): Promise<V1DaemonSet> {
  return eventually(`${model}'s DaemonSet`, async () =>
    (await models.daemonSets()).find((d) => d.metadata?.labels?.["edgefleet.io/model"] === model && ready(d)),
  );
}

/** The install command, run as the model's verify-artifact init container would be, on a cache of its own. */
async function installFor(model: string, ds?: V1DaemonSet) {
  return runInstall(initEnv(ds ?? (await daemonSetOf(model))), join(tempDir(), "cache"));
}

const refusalOf = (install: { lines: Record<string, unknown>[] }) => install.lines.find((l) => l.msg === "artifact refused");

/** The verify-artifact init container's environment, as the pod gets it. */
function initEnv(ds: V1DaemonSet): Record<string, string> {
  const init = ds.spec?.template.spec?.initContainers?.find((c) => c.name === "verify-artifact");
  return Object.fromEntries((init?.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
}

async function warnings(model: EdgeModel): Promise<string[]> {
  const res = await rawRequest(kc, {
    method: "GET",
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events?fieldSelector=regarding.name%3D${model.metadata.name}`,
  });
  return ((res.body.items as { type?: string; reason?: string; note?: string }[] | undefined) ?? [])
    .filter((e) => e.type === "Warning")
    .map((e) => `${e.reason}: ${e.note}`);
}

describe("ModelTrustPolicy", () => {
  it("refuses a model whose namespace no key of the policy covers, naming the policy, and places nothing", async () => {
    await applyPolicy(["someone-else"]);
    await createModel("detector", signedVariant("detector", oldKey));
    const refused = await when("detector", "Stalled", "TrustPolicyRefused");
    const message = condition(refused, "Stalled")?.message ?? "";
    expect(message).toContain(`no ModelTrustPolicy has a key for namespace "${ns}", model "detector" (policies: ${policyName()})`);
    expect(condition(refused, "Ready")?.status).toBe("False");
    expect(await models.daemonSets()).toEqual([]);
    await eventually("the Warning Event", async () => {
      const notes = await warnings(refused);
      return notes.find((n) => n.startsWith("TrustPolicyRefused:") && n.includes(policyName()));
    });
  });

  it("refuses an artifact from outside the policy's sources, naming the field", async () => {
    await applyPolicy([ns]);
    const variant = signedVariant("elsewhere", oldKey);
    await createModel("elsewhere", { ...variant, artifact: { ...variant.artifact, uri: "https://elsewhere.example/model.onnx" } });
    const refused = await when("elsewhere", "Stalled", "TrustPolicyRefused");
    expect(condition(refused, "Stalled")?.message).toContain(
      `ModelTrustPolicy "${policyName()}" refuses it: spec.variants[0].artifact.uri "https://elsewhere.example/model.onnx" is not under the policy's sources (${server.origin}/)`,
    );
  });

  it("with two keys (a rotation), places models signed by either, gives their pods both keys, and the install verifies each", async () => {
    // The policy now covers the namespace: the refused model is placed without being touched.
    await createModel("classifier", signedVariant("classifier", newKey));
    for (const name of ["detector", "classifier"]) {
      const placed = await when(name, "Ready");
      expect(condition(placed, "Stalled")?.status).toBe("False");
      const env = initEnv(await daemonSetOf(name));
      expect(env.EDGEFLEET_SIGNATURE_PUBLIC_KEYS).toBe(`${oldKey.publicKeyPem.trim()}\n${newKey.publicKeyPem.trim()}\n`);
      expect(env).not.toHaveProperty("EDGEFLEET_SIGNATURE_PUBLIC_KEY");
      const runtimeEnv = (await daemonSetOf(name)).spec?.template.spec?.containers[0]?.env ?? [];
      expect(runtimeEnv.find((e) => e.name === "EDGEFLEET_SIGNATURE_PUBLIC_KEYS")?.value).toBe(env.EDGEFLEET_SIGNATURE_PUBLIC_KEYS);
      expect(env.EDGEFLEET_SIGNATURE_SCOPED_ONLY).toBe("true");
      // The policy's size bound reaches the device, which refuses a larger sizeBytes itself.
      expect(env).toMatchObject({ EDGEFLEET_MAX_ARTIFACT_BYTES: "1073741824", EDGEFLEET_MAX_ARTIFACT_BYTES_POLICY: policyName() });
      const install = await runInstall(env, join(tempDir(), "cache"));
      expect(install.code, install.out).toBe(0);
      expect(install.lines.find((l) => l.msg === "artifact installed")).toMatchObject({ model: name, signature: "edgefleet" });
    }
  });

  it("a model signed with a key of the tenant's own is placed (the operator cannot tell), but its install refuses the signature", async () => {
    await createModel("rogue", signedVariant("rogue", generateSigningKey()));
    const install = await installFor("rogue");
    expect(install.code).toBe(1);
    const refused = refusalOf(install);
    expect(refused).toMatchObject({ model: "rogue", reason: "signature-invalid" });
    expect(String(refused?.detail)).toContain("verifies with none of the 2 allowed public keys");
  });

  it("refuses a statement signed for another namespace, and the older v1 statement until the policy allows it", async () => {
    await createModel("moved", signedVariant("moved", oldKey, "someone-else"));
    const moved = await installFor("moved");
    expect(moved.code).toBe(1);
    expect(String(refusalOf(moved)?.detail)).toContain(`signature is for namespace "someone-else", not "${ns}"`);

    await createModel("legacy", signedVariant("legacy", oldKey, null));
    const legacy = await installFor("legacy");
    expect(legacy.code).toBe(1);
    expect(String(refusalOf(legacy)?.detail)).toContain("the edgefleet v1 statement names no namespace or variant");
    await applyPolicy([ns], true);
    const relaxed = await daemonSetOf("legacy", (ds) => !("EDGEFLEET_SIGNATURE_SCOPED_ONLY" in initEnv(ds)));
    const accepted = await installFor("legacy", relaxed);
    expect(accepted.code, accepted.out).toBe(0);
  });

  it("takes a running model off its nodes when a policy change no longer covers its namespace", async () => {
    await applyPolicy(["someone-else"]);
    await when("detector", "Stalled", "TrustPolicyRefused");
    await eventually("detector's DaemonSets deleted", async () =>
      (await models.daemonSets()).some((d) => d.metadata?.labels?.["edgefleet.io/model"] === "detector") ? undefined : true,
    );
  });

  it("refuses a version below the policy's minimum, naming the policy and the field, and places it again without one", async () => {
    await applyPolicy([ns], false, [{ models: ["classifier"], version: "2.0" }]);
    const expected = `ModelTrustPolicy "${policyName()}" refuses it: spec.version "1.0.0" is below the policy's spec.minimumVersions[0].version "2.0" (a known-bad build)`;
    await eventually("classifier refused for its version", async () => {
      const m = await models.get("classifier");
      return m && converged(m) && condition(m, "Stalled")?.message?.includes(expected) ? m : undefined;
    });
    // The minimum names classifier only: detector, covered again, is placed.
    await when("detector", "Ready");
    expect((await models.daemonSets()).map((d) => d.metadata?.labels?.["edgefleet.io/model"])).not.toContain("classifier");
    await applyPolicy([ns]);
    await when("classifier", "Ready");
  });
});
