import type { EdgeModel } from "@edgefleet/api";
import { API_VERSION, LABELS, MANAGER, SERVED_VERSION, SERVED_VERSION_ANNOTATION } from "@edgefleet/api";
import type { V1Affinity, V1DaemonSet, V1OwnerReference } from "@kubernetes/client-node";
import { ROLLOUT_LABELS, type Track } from "../rollout/vocabulary.js";
import {
  artifactCacheMount,
  artifactCacheVolume,
  DEFAULT_VERIFIER,
  modelRepositoryMount,
  modelRepositoryVolume,
  registryAuthVolumes,
  type Verifier,
  verifyArtifactContainer,
} from "./artifact-volume.js";
import { modelEnv } from "./model-env.js";
import { childName } from "./names.js";
import type { PlacedClass } from "./plan.js";
import { healthProbes, runtimePorts, stringQuantities } from "./runtime-container.js";
import { isShared, loaderContainer, serverName } from "./shared-server.js";
import type { TrustedSignatures } from "./trust.js";

/*
 * Each (EdgeModel, hardware class) runs as one DaemonSet: "one runtime per device" is exactly
 * what a DaemonSet guarantees, its controller adds and removes pods as nodes join and leave the
 * class without the operator in the loop, and a class's nodes differ from another's in variant,
 * runtime and resources, so they cannot share one pod template. A Deployment would need replicas
 * kept equal to the node count and pod anti-affinity, which scales poorly in the scheduler.
 */

const CONTAINER = "runtime";

/** Which of the class's nodes a workload runs on, by name; neither list means every node of the class. */
export interface NodeNames {
  in?: readonly string[];
  notIn?: readonly string[];
}

export interface WorkloadSpec {
  /** The model at the revision this workload runs (see rollout/revisions.ts). */
  model: EdgeModel;
  placement: PlacedClass;
  track: Track;
  nodes: NodeNames;
  /** How the init container verifies the artifact before the runtime starts (default: DEFAULT_VERIFIER). */
  verifier?: Verifier;
  /** The public keys the trust policies allow for the model (see modelEnv); unset without a policy. */
  trust?: TrustedSignatures | undefined;
}

/**
 * One class's workload on one track. A class in mid-rollout has two: the stable track runs the
 * last good revision, the canary track the new one, on disjoint node sets named in required
 * node affinity, so the DaemonSet controller keeps each node on exactly one version.
 */
export function desiredDaemonSet({ model, placement, track, nodes, verifier = DEFAULT_VERIFIER, trust }: WorkloadSpec): V1DaemonSet {
  const { name, namespace } = identity(model);
  const { variant, runtime, accelerator, binding } = placement.choice;
  const repository = runtime.spec.modelRepository?.layout;
  // The selector is immutable on a DaemonSet, so it holds only what never changes for this object.
  const selector = { [LABELS.model]: name, [LABELS.hardwareClass]: placement.hardwareClass, [ROLLOUT_LABELS.track]: track };
  const server = isShared(runtime)
    ? { namespace, runtime: runtime.metadata.name ?? "", hardwareClass: placement.hardwareClass, accelerator }
    : undefined;
  // A model on a shared server names it, on its DaemonSet (who uses a server) and pods (who may reach it).
  const labels = {
    ...selector,
    [LABELS.managedBy]: MANAGER,
    [LABELS.partOf]: "edgefleet",
    ...(server ? { [LABELS.modelServer]: serverName(server) } : {}),
  };
  // A sharer uses the device a holder's pods requested: requesting it too would take another one.
  const sharer = placement.choice.claim.sharing?.role === "sharer";
  const limits = { ...stringQuantities(model.spec.resources?.limits), ...(sharer ? {} : stringQuantities(binding.resources)) };
  const requests = stringQuantities(model.spec.resources?.requests);
  const affinity = nodeAffinity(nodes);
  const env = modelEnv({ model: `${namespace}/${name}`, version: model.spec.version, variant, accelerator, trust });
  const dsName = track === "stable" ? childName(name, placement.hardwareClass) : childName(name, placement.hardwareClass, "canary");
  const container = server
    ? loaderContainer({
        key: server,
        runtime,
        image: verifier.image,
        env,
        // The server holds the device; the pod reserves the model's memory on the node for it.
        requests: { ...stringQuantities(model.spec.resources?.limits), ...requests },
        mount: artifactCacheMount(true),
      })
    : {
        name: CONTAINER,
        image: runtime.spec.image,
        ...(runtime.spec.command ? { command: runtime.spec.command } : {}),
        ...(runtime.spec.args ? { args: runtime.spec.args } : {}),
        env: [...(runtime.spec.env ?? []), ...env],
        // Read-only: only the init container's verified install writes the cache (and the repository).
        volumeMounts: [artifactCacheMount(true), ...(repository ? [modelRepositoryMount(true)] : [])],
        ports: runtimePorts(runtime),
        resources: {
          ...(Object.keys(limits).length ? { limits } : {}),
          ...(Object.keys(requests).length ? { requests } : {}),
        },
        ...healthProbes(runtime),
      };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: dsName, namespace, labels, ownerReferences: [ownerReference(model)] },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...labels, [LABELS.variant]: variant.name, [LABELS.modelVersion]: model.spec.version },
          annotations: {
            "edgefleet.io/runtime": runtime.metadata.name ?? "",
            "edgefleet.io/accelerator": accelerator,
            // The version the agent probes: the repository's, not the model's.
            ...(repository ? { [SERVED_VERSION_ANNOTATION]: SERVED_VERSION } : {}),
          },
        },
        spec: {
          nodeSelector: {
            ...(placement.labelled ? { [LABELS.hardwareClass]: placement.hardwareClass } : {}),
            ...binding.nodeSelector,
            ...model.spec.placement?.nodeSelector,
          },
          ...(affinity ? { affinity } : {}),
          ...(model.spec.placement?.tolerations ? { tolerations: model.spec.placement.tolerations } : {}),
          // Neither the install nor a runtime talks to the API server: a model's code gets no token.
          automountServiceAccountToken: false,
          initContainers: [verifyArtifactContainer(verifier, env, variant.artifact, repository)],
          volumes: [artifactCacheVolume, ...registryAuthVolumes(variant.artifact), ...(repository ? [modelRepositoryVolume] : [])],
          containers: [container],
        },
      },
    },
  };
}

function identity(model: EdgeModel): { name: string; namespace: string; uid: string } {
  const { name, namespace, uid } = model.metadata;
  if (!name || !namespace || !uid) {
    throw new Error("EdgeModel needs metadata.name, namespace and uid to own children: plan from objects read from the API server");
  }
  return { name, namespace, uid };
}

export function ownerReference(model: EdgeModel): V1OwnerReference {
  const { name, uid } = identity(model);
  return { apiVersion: API_VERSION, kind: "EdgeModel", name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Required node affinity naming nodes: the DaemonSet controller runs pods only on nodes matching
 * it. The API server allows a single value per metadata.name field requirement, so a set of nodes
 * is one term per node (terms are ORed), and an exclusion one NotIn requirement per node in a
 * single term (requirements are ANDed).
 */
function nodeAffinity(nodes: NodeNames): V1Affinity | undefined {
  const name = (operator: "In" | "NotIn", node: string) => ({ key: "metadata.name", operator, values: [node] });
  const excluded = (nodes.notIn ?? []).map((n) => name("NotIn", n));
  const terms = nodes.in
    ? nodes.in.map((n) => ({ matchFields: [name("In", n), ...excluded] }))
    : excluded.length
      ? [{ matchFields: excluded }]
      : [];
  if (!terms.length) return undefined;
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/** The nodes a workload's node affinity names with In (see nodeAffinity); undefined when it names none. */
export function namedNodes(ds: V1DaemonSet): string[] | undefined {
  const terms = ds.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const names = terms.flatMap((t) =>
    (t.matchFields ?? []).filter((f) => f.key === "metadata.name" && f.operator === "In").flatMap((f) => f.values ?? []),
  );
  return names.length ? names : undefined;
}
