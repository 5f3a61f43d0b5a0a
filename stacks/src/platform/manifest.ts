/**
 * The platform's Kubernetes objects as plain data, built by pure functions of the configuration
 * (operator.ts, agent.ts, ...). The Pulumi components register them as resources (part.ts) and the
 * Helm chart generator (chart/) writes them as templates: one source for both.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** One object and the name of its Pulumi resource (the names existing stacks' state holds). */
export interface Manifest {
  readonly object: KubeObject;
  /** Appended to the component's name with "-"; the component's name alone when unset. */
  readonly suffix?: string;
  /** The whole resource name, not under the component's (the CRDs and catalog entries). */
  readonly resourceName?: string;
}

export const manifest = (apiVersion: string, kind: string, fields: Omit<KubeObject, "apiVersion" | "kind">, suffix?: string): Manifest => ({
  object: { apiVersion, kind, ...fields } as KubeObject,
  ...(suffix === undefined ? {} : { suffix }),
});

/** Kinds whose pods need everything before them in their component (ServiceAccount, RBAC, config, Lease). */
export const WORKLOAD_KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet"];
