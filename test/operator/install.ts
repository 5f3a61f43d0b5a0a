import { readFile } from "node:fs/promises";
import { DEFAULT_RUNTIMES, type EdgeRuntime } from "@edgefleet/api";
import type { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { eventually } from "../helpers/kube.js";
import { rawRequest } from "./raw-api.js";

export const GROUP_PATH = "/apis/edgefleet.io/v1alpha1";

/** Server-side applies body at path as the tests' field manager; what names it in the error. */
export async function apply(kc: KubeConfig, path: string, body: unknown, what: string): Promise<void> {
  const res = await rawRequest(kc, {
    method: "PATCH",
    path: `${path}?fieldManager=edgefleet-test&force=true`,
    body,
    contentType: "application/apply-patch+yaml",
  });
  if (res.status >= 300) throw new Error(`applying ${what} failed (${res.status}): ${res.body.message}`);
}

/** Server-side applies the generated CRD files as shipped, and waits until they serve. */
export async function installCRDs(kc: KubeConfig): Promise<void> {
  const files = ["edgemodels", "edgeruntimes", "modeltrustpolicies", "federatedtrainings", "edgemodelbuilds"].map(
    (plural) => `${plural}.edgefleet.io.yaml`,
  );
  for (const file of files) {
    const crd = parse(await readFile(new URL(`../../packages/api/crds/${file}`, import.meta.url), "utf8"));
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
    await apply(kc, path, crd, `packages/api/crds/${file}`);
    await eventually(`${crd.metadata.name} Established`, async () => {
      const { body } = await rawRequest(kc, { method: "GET", path });
      const conditions = (body.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((c) => c.type === "Established" && c.status === "True") || undefined;
    });
  }
  await eventually(
    "edgefleet.io/v1alpha1 served",
    async () => (await rawRequest(kc, { method: "GET", path: `${GROUP_PATH}/edgeruntimes` })).status === 200 || undefined,
  );
}

/** Server-side applies an EdgeRuntime (cluster-scoped: a suite's own is named for it). */
export function applyRuntime(kc: KubeConfig, runtime: EdgeRuntime): Promise<void> {
  return apply(kc, `${GROUP_PATH}/edgeruntimes/${runtime.metadata.name}`, runtime, `runtime ${runtime.metadata.name}`);
}

export async function deleteRuntime(kc: KubeConfig, name: string): Promise<void> {
  await rawRequest(kc, { method: "DELETE", path: `${GROUP_PATH}/edgeruntimes/${name}` });
}

/** The CRDs and the default EdgeRuntime catalog: what `kubectl apply -f packages/api/crds/ -f packages/api/catalog/` installs. */
export async function installApi(kc: KubeConfig): Promise<void> {
  await installCRDs(kc);
  for (const runtime of DEFAULT_RUNTIMES) await applyRuntime(kc, runtime);
}
