import { createHash } from "node:crypto";
import { LABELS, MANAGER } from "@edgefleet/api";
import { collectionPath, type KubeClient, KubeError, type KubeObject, objectKey, RESOURCES } from "@edgefleet/kube";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { observeDaemonSet, type WorkloadObservation } from "../planner/conditions.js";
import { deleteChild } from "./basics.js";
import { SPEC_HASH_ANNOTATION, slimDaemonSet } from "./slim.js";
import { stableJson } from "./stable-json.js";

export interface ChildrenOptions {
  client: KubeClient;
  fieldManager: string;
}

/**
 * Applies and deletes an EdgeModel's DaemonSets. Applies are server-side with a field manager,
 * so fields other managers own (a user's annotation, an HPA's) survive, and a repeated apply is
 * a no-op; they are skipped outright when the cached child carries the same spec hash and is
 * as our apply left it: at the generation this process last applied, or, for a child this
 * process has not applied yet (it just started), written by our field manager alone. That keeps
 * a fleet-wide replan, and an operator restart, from re-sending thousands of unchanged objects.
 */
export class Children {
  readonly #o: ChildrenOptions;
  /** Child key → the generation our last apply produced; lost on restart, which costs one apply per child. */
  readonly #applied = new Map<string, number>();

  constructor(options: ChildrenOptions) {
    this.#o = options;
  }

  /** Applies each desired DaemonSet unless unchanged; returns what each now reports. */
  async apply(desired: readonly V1DaemonSet[], cached: (key: string) => V1DaemonSet | undefined): Promise<WorkloadObservation[]> {
    return Promise.all(
      desired.map(async (ds) => {
        const hash = specHash(ds);
        const key = objectKey({ metadata: ds.metadata ?? {} });
        const current = cached(key);
        if (current?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === hash && this.#asApplied(key, current)) {
          return observeDaemonSet(current);
        }
        const body = { ...ds, metadata: { ...ds.metadata, annotations: { ...ds.metadata?.annotations, [SPEC_HASH_ANNOTATION]: hash } } };
        const apply = () => this.#o.client.apply(RESOURCES.daemonSets, body, this.#o.fieldManager);
        let result: KubeObject;
        try {
          result = await apply();
        } catch (err) {
          if (!isImmutableSelector(err) || !current) throw err;
          // A DaemonSet's selector cannot change (an older operator made it with other labels):
          // replace the object, as `kubectl apply --force` would. Its pods are recreated.
          await this.delete([current]);
          result = await apply();
        }
        const applied = slimDaemonSet(result);
        this.#applied.set(key, applied.metadata?.generation ?? 0);
        return observeDaemonSet(applied);
      }),
    );
  }

  /** Whether the cached child is as our last apply left it (see the class comment). */
  #asApplied(key: string, current: V1DaemonSet): boolean {
    const applied = this.#applied.get(key);
    if (applied !== undefined) return current.metadata?.generation === applied;
    const writers = current.metadata?.managedFields ?? [];
    return writers.length > 0 && writers.every((f) => f.manager === this.#o.fieldManager && f.operation === "Apply");
  }

  /** Whether this process applied the child at its current generation (else someone else changed it). */
  appliedAt(key: string, generation: number | undefined): boolean {
    return this.#applied.get(key) === generation;
  }

  /** Deletes the children; their pods follow through the garbage collector. */
  async delete(children: readonly V1DaemonSet[]): Promise<void> {
    await Promise.all(
      children.map(async (ds) => {
        this.#applied.delete(`${ds.metadata?.namespace}/${ds.metadata?.name}`);
        await deleteChild(this.#o.client, RESOURCES.daemonSets, ds.metadata ?? {});
      }),
    );
  }

  /** The model's children as the API server has them now: deletion must not trust a lagging cache. */
  async live(namespace: string, model: string): Promise<V1DaemonSet[]> {
    const selector = encodeURIComponent(`${LABELS.model}=${model},${LABELS.managedBy}=${MANAGER}`);
    const list = await this.#o.client.request<{ items: V1DaemonSet[] }>({
      method: "GET",
      path: `${collectionPath(RESOURCES.daemonSets, namespace)}?labelSelector=${selector}`,
    });
    return list.items;
  }
}

/** The hash of a child's desired spec, kept in its annotation: an equal one needs no apply. */
export function specHash(ds: V1DaemonSet): string {
  return createHash("sha256").update(stableJson(ds)).digest("hex").slice(0, 16);
}

/** The API server's answer to a changed spec.selector: 422 Invalid, "field is immutable". */
export function isImmutableSelector(err: unknown): boolean {
  return err instanceof KubeError && err.status === 422 && /spec\.selector[\s\S]*field is immutable/.test(err.message);
}
