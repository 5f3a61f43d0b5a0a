import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import { edgeModel, LABELS, MANAGER } from "@edgefleet/api";
import type { KubeConfig, V1DaemonSet } from "@kubernetes/client-node";
import { GROUP_PATH } from "./install.js";
import { rawRequest } from "./raw-api.js";

/** EdgeModels and their DaemonSets through the real API server, for the operator's tests. */
export class EdgeModels {
  constructor(
    readonly kc: KubeConfig,
    readonly namespace: string,
  ) {}

  #path(name = ""): string {
    return `${GROUP_PATH}/namespaces/${this.namespace}/edgemodels${name ? `/${name}` : ""}`;
  }

  async create(name: string, spec: Partial<EdgeModelSpec> = {}): Promise<EdgeModel> {
    const model = { ...edgeModel(spec, name), metadata: { name, namespace: this.namespace } };
    const res = await rawRequest(this.kc, { method: "POST", path: this.#path(), body: model });
    if (res.status !== 201) throw new Error(`creating EdgeModel ${name}: ${res.status} ${res.body.message}`);
    return res.body as unknown as EdgeModel;
  }

  async get(name: string): Promise<EdgeModel | undefined> {
    const res = await rawRequest(this.kc, { method: "GET", path: this.#path(name) });
    return res.status === 200 ? (res.body as unknown as EdgeModel) : undefined;
  }

  async list(): Promise<EdgeModel[]> {
    const res = await rawRequest(this.kc, { method: "GET", path: this.#path() });
    return (res.body.items as EdgeModel[] | undefined) ?? [];
  }

  async patchSpec(name: string, spec: Partial<EdgeModelSpec>): Promise<void> {
    const res = await rawRequest(this.kc, {
      method: "PATCH",
      path: this.#path(name),
      body: { spec },
      contentType: "application/merge-patch+json",
    });
    if (res.status !== 200) throw new Error(`patching EdgeModel ${name}: ${res.status} ${res.body.message}`);
  }

  async delete(name: string): Promise<void> {
    if (!name) throw new Error("EdgeModels.delete needs a name (an empty one would delete the collection)");
    const res = await rawRequest(this.kc, { method: "DELETE", path: this.#path(name) });
    if (res.status >= 300 && res.status !== 404) throw new Error(`deleting EdgeModel ${name}: ${res.status} ${res.body.message}`);
  }

  /** The models' DaemonSets: the operator's, but for the servers of Shared runtimes (serverDaemonSets). */
  async daemonSets(): Promise<V1DaemonSet[]> {
    return this.#daemonSets(`${LABELS.managedBy}=${MANAGER},!${LABELS.runtimeServer}`);
  }

  /** The servers of Shared runtimes the namespace's models load into. */
  async serverDaemonSets(): Promise<V1DaemonSet[]> {
    return this.#daemonSets(`${LABELS.managedBy}=${MANAGER},${LABELS.runtimeServer}`);
  }

  async #daemonSets(selector: string): Promise<V1DaemonSet[]> {
    const res = await rawRequest(this.kc, {
      method: "GET",
      path: `/apis/apps/v1/namespaces/${this.namespace}/daemonsets?labelSelector=${encodeURIComponent(selector)}`,
    });
    return (res.body.items as V1DaemonSet[] | undefined) ?? [];
  }
}

/** The operator has acted on the model's latest spec: observedGeneration caught up and Ready and Degraded are set. */
export function converged(model: EdgeModel | undefined): boolean {
  const status = model?.status;
  const has = (type: string) => status?.conditions?.some((c) => c.type === type && c.observedGeneration === model?.metadata.generation);
  return !!model && status?.observedGeneration === model.metadata.generation && !!has("Ready") && !!has("Degraded");
}

export function condition(model: EdgeModel | undefined, type: string) {
  return model?.status?.conditions?.find((c) => c.type === type);
}
