import { createHash } from "node:crypto";
import {
  ARTIFACT_CA_BUNDLE_ENV,
  BUILD_INPUTS,
  BUILD_LABEL,
  BUILD_REQUEST_ENV,
  BUILD_SUMMARY_PATH,
  type BuildRequest,
  type EdgeModelBuild,
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
import type { V1Job, V1Volume, V1VolumeMount } from "@kubernetes/client-node";

/** How every build Job runs: the platform's settings, the same for all builds. */
export interface BuildJobSettings {
  /** The image with tools/edgefleet and its Python tools (the operator's --build-image). */
  image: string;
  /** PEM CA certificates trusted for https:// inputs beside the public roots (the operator's --artifact-ca-bundle). */
  caBundle?: string;
}

/**
 * The build image by default. deploy/docker builds no such image yet: a cluster sets --build-image
 * to its own (the local platform's simulator runs build pods as processes, whatever their image).
 */
export const DEFAULT_BUILD_IMAGE = imageReference("model-build");

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
export function desiredJob(build: EdgeModelBuild, settings: BuildJobSettings): V1Job {
  const { name = "", namespace = "", uid = "" } = build.metadata;
  const { spec } = build;
  const request: BuildRequest = { namespace, name, spec };
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
  ];
  const mounts: V1VolumeMount[] = [
    { name: "work", mountPath: WORK_DIR },
    ...(key ? [{ name: "source-key", mountPath: SOURCE_KEY_DIR, readOnly: true }] : []),
    ...(signing ? [{ name: "signing-key", mountPath: SIGNING_KEY_DIR, readOnly: true }] : []),
    ...(pushAuth ? [{ name: "push-auth", mountPath: PUSH_AUTH_DIR, readOnly: true }] : []),
    ...pulls.map((p) => ({ name: p.volume, mountPath: pullAuthDir(p.input), readOnly: true })),
  ];
  const labels = { [BUILD_LABEL]: name, [LABELS.partOf]: "edgefleet" };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(build),
      namespace,
      labels: { ...labels, [LABELS.managedBy]: MANAGER },
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
              ],
              env: [
                { name: BUILD_REQUEST_ENV, value: JSON.stringify(request) },
                ...(settings.caBundle === undefined ? [] : [{ name: ARTIFACT_CA_BUNDLE_ENV, value: settings.caBundle }]),
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

type Quantities = Record<string, string | number>;

/** The spec's resources as a container takes them: quantities as strings (the schema also admits plain numbers). */
function containerResources(r: { requests?: Quantities; limits?: Quantities }) {
  const strings = (q: Quantities) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
  return { ...(r.requests ? { requests: strings(r.requests) } : {}), ...(r.limits ? { limits: strings(r.limits) } : {}) };
}
