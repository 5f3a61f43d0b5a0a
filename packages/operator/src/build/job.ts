import { createHash } from "node:crypto";
import {
  BUILD_INPUTS,
  BUILD_LABEL,
  BUILD_REQUEST_ENV,
  BUILD_SUMMARY_PATH,
  type BuildRequest,
  CARRIED_DIR,
  carriedKeyPath,
  carriedPullPath,
  type EdgeModel,
  type EdgeModelBuild,
  IMAGE_NAMES,
  imageReference,
  LABELS,
  MANAGER,
  MODEL_BUILD_COMMAND,
  PULL_AUTH_FILE,
  PUSH_AUTH_DIR,
  PUSH_AUTH_FILE,
  pullAuthDir,
  pullAuthFlag,
  SIGNING_KEY_DIR,
  SIGNING_KEY_FILE,
} from "@edgefleet/api";
import type { V1Job, V1ProjectedVolumeSource, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { type RegistryTrust, registryTrustEnv } from "../registry-trust.js";
import { CARRIED_FROM_ANNOTATION, carriedFrom } from "./carried.js";

/** How every build Job runs: the platform's settings, the same for all builds. */
export interface BuildJobSettings extends RegistryTrust {
  /** The image with tools/edgefleet and its Python tools (the operator's --build-image). */
  image: string;
}

/**
 * The build image by default (deploy/docker/model-build.Dockerfile; the local platform's simulator
 * runs build pods as processes, whatever their image).
 */
export const DEFAULT_BUILD_IMAGE = imageReference(IMAGE_NAMES.modelBuild);

/** Where the build works: its inputs, scratch and outputs, gone with the pod. */
export const WORK_DIR = "/work";
/** Where the source signature's public key (spec.source.signature.publicKeyRef) is mounted. */
export const SOURCE_KEY_DIR = "/etc/edgefleet/source-key";
const SOURCE_KEY_FILE = "public-key.pem";

const DEFAULT_TIMEOUT_SECONDS = 3600;

/**
 * The Job of the build's current generation: a new generation is a new Job (a Job's pod template
 * cannot change), named for it, at most 63 characters as its pods' job-name label needs.
 */
export function jobName(build: EdgeModelBuild): string {
  const name = build.metadata.name ?? "";
  const suffix = `-${build.metadata.generation ?? 0}`;
  if (name.length + suffix.length <= 63) return `${name}${suffix}`;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 63 - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/**
 * The build's Job, pure. One pod, never retried (backoffLimit 0): a build that failed fails the
 * same way again, and each try costs minutes of CPU; a new generation of the spec is the retry.
 * The pod gets no ServiceAccount token: it reports through its termination message, which the
 * operator reads from the pod's status, so a build runs with no API access at all. With
 * spec.publish the signing key and push credentials are mounted read-only into this pod only.
 */
export function desiredJob(build: EdgeModelBuild, settings: BuildJobSettings, model?: EdgeModel): V1Job {
  const { name = "", namespace = "", uid = "" } = build.metadata;
  const { spec } = build;
  // With spec.publish, the EdgeModel as it is now: its variants no build replaces are carried (verified, re-signed, pushed).
  const carry = spec.publish && model ? { version: model.spec.version, variants: model.spec.variants } : undefined;
  const request: BuildRequest = { namespace, name, spec, ...(carry ? { carry } : {}) };
  // No volume when the variants name no Secrets (unsigned ones: the build refuses to carry them, naming them).
  const carried = carry ? carriedVolume(carry.variants) : undefined;
  const key = spec.source.signature?.publicKeyRef;
  const signing = spec.publish?.signingKeyRef;
  const pushAuth = spec.publish?.registryAuthRef;
  // Each input's registry credentials, for the job's fetch of it (as the verify-artifact init container gets a variant's).
  const pulls = BUILD_INPUTS.flatMap((input) => {
    const ref = spec[input]?.pullSecretRef;
    return ref ? [{ input, volume: `${input}-pull-auth`, secret: ref.name }] : [];
  });
  // Optional: a missing Secret must not leave the pod pending; the build command names it in the summary.
  const optionalSecret = (secretName: string, key: string, path: string) => ({
    secretName,
    items: [{ key, path }],
    optional: true,
  });
  const volumes: V1Volume[] = [
    { name: "work", emptyDir: {} },
    ...(key ? [{ name: "source-key", secret: { secretName: key.name, items: [{ key: key.key, path: SOURCE_KEY_FILE }] } }] : []),
    ...(signing ? [{ name: "signing-key", secret: optionalSecret(signing.name, signing.key, SIGNING_KEY_FILE) }] : []),
    ...(pushAuth ? [{ name: "push-auth", secret: optionalSecret(pushAuth.name, ".dockerconfigjson", PUSH_AUTH_FILE) }] : []),
    ...pulls.map((p) => ({ name: p.volume, secret: optionalSecret(p.secret, ".dockerconfigjson", PULL_AUTH_FILE) })),
    ...(carried ? [{ name: "carried", projected: carried }] : []),
  ];
  const mounts: V1VolumeMount[] = [
    { name: "work", mountPath: WORK_DIR },
    ...(key ? [{ name: "source-key", mountPath: SOURCE_KEY_DIR, readOnly: true }] : []),
    ...(signing ? [{ name: "signing-key", mountPath: SIGNING_KEY_DIR, readOnly: true }] : []),
    ...(pushAuth ? [{ name: "push-auth", mountPath: PUSH_AUTH_DIR, readOnly: true }] : []),
    ...pulls.map((p) => ({ name: p.volume, mountPath: pullAuthDir(p.input), readOnly: true })),
    ...(carried ? [{ name: "carried", mountPath: CARRIED_DIR, readOnly: true }] : []),
  ];
  const labels = { [BUILD_LABEL]: name, [LABELS.partOf]: "edgefleet" };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(build),
      namespace,
      labels: { ...labels, [LABELS.managedBy]: MANAGER },
      ...(carry ? { annotations: { [CARRIED_FROM_ANNOTATION]: carriedFrom(carry) } } : {}),
      ownerReferences: [{ apiVersion: build.apiVersion, kind: build.kind, name, uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
          ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
          containers: [
            {
              name: "build",
              image: settings.image,
              command: MODEL_BUILD_COMMAND,
              args: [
                `--work=${WORK_DIR}`,
                `--summary=${BUILD_SUMMARY_PATH}`,
                ...(key ? [`--source-public-key=${SOURCE_KEY_DIR}/${SOURCE_KEY_FILE}`] : []),
                ...(signing ? [`--signing-key=${SIGNING_KEY_DIR}/${SIGNING_KEY_FILE}`] : []),
                ...(pushAuth ? [`--push-auth=${PUSH_AUTH_DIR}/${PUSH_AUTH_FILE}`] : []),
                ...pulls.map((p) => `--${pullAuthFlag(p.input)}=${pullAuthDir(p.input)}/${PULL_AUTH_FILE}`),
                ...(carried ? [`--carried=${CARRIED_DIR}`] : []),
              ],
              env: [
                { name: BUILD_REQUEST_ENV, value: JSON.stringify(request) },
                // Its inputs' fetches, its pushes and the carried variants' verification all reach registries so.
                ...registryTrustEnv(settings),
              ],
              terminationMessagePath: BUILD_SUMMARY_PATH,
              terminationMessagePolicy: "File",
              volumeMounts: mounts,
              ...(spec.resources ? { resources: containerResources(spec.resources) } : {}),
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
          volumes,
        },
      },
    },
  };
}

/**
 * The carried variants' Secrets in one read-only volume: each signature's publicKeyRef key and each
 * pullSecretRef's docker config JSON, at the paths the build command reads (carriedKeyPath,
 * carriedPullPath). Optional, as the other Secret volumes: the command names a missing one.
 */
function carriedVolume(variants: readonly EdgeModel["spec"]["variants"][number][]): V1ProjectedVolumeSource | undefined {
  const items = new Map<string, { key: string; path: string }[]>();
  const add = (secret: string, key: string, path: string) => {
    const list = items.get(secret) ?? [];
    if (!list.some((i) => i.path === path)) list.push({ key, path });
    items.set(secret, list);
  };
  for (const { artifact } of variants) {
    const key = artifact.signature?.publicKeyRef;
    if (key) add(key.name, key.key, carriedKeyPath(key));
    if (artifact.pullSecretRef) add(artifact.pullSecretRef.name, ".dockerconfigjson", carriedPullPath(artifact.pullSecretRef));
  }
  if (items.size === 0) return undefined;
  return { sources: [...items].map(([name, list]) => ({ secret: { name, items: list, optional: true } })) };
}

type Quantities = Record<string, string | number>;

/** The spec's resources as a container takes them: quantities as strings (the schema also admits plain numbers). */
function containerResources(r: { requests?: Quantities; limits?: Quantities }) {
  const strings = (q: Quantities) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
  return { ...(r.requests ? { requests: strings(r.requests) } : {}), ...(r.limits ? { limits: strings(r.limits) } : {}) };
}
