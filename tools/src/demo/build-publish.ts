// `tools/edgefleet demo --model-build`: after the rollouts, an EdgeModelBuild with spec.publish run
// by the operator on a build node of the simulated fleet: the digits MLP built, measured, signed and
// pushed to a real OCI registry, and the EdgeModel's new version rolled out by the operator.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EdgeModelBuild, EdgeModelBuildSpec } from "@edgefleet/api";
import { isNotFound } from "@edgefleet/kube";
import { stateDir } from "../cluster/paths.js";
import { followRollout, measuredLine } from "../model-build/rollout-progress.js";
import { LOCAL_HOST } from "../platform/pki.js";
import { PUBLIC_KEY_REF } from "../platform/registry.js";
import { applySigningSecret, DEMO_BUILD_NODE, DEMO_BUILD_PLACEMENT, withDemoBuildSite } from "./build-node.js";
import { modelLatency } from "./progress.js";
import { type BuildStepOptions, DIGITS, serveDigits } from "./served-digits.js";

const MODEL = DIGITS;
const VERSIONS = { first: "1.0", built: "2.0" } as const;
/**
 * The CPU class, and ONNX builds only: the rollout's latency gate compares the new version with the
 * old on the same runtime (an OpenVINO build's worker process costs milliseconds per call that the
 * source on ONNX Runtime does not, which the gate would roll back).
 */
const CLASS = "x86-cpu";
const TARGETS: EdgeModelBuildSpec["targets"] = ["onnx-int8-static", "onnx-int8-dynamic"];
const SIGNING_SECRET = "digits-signing";
const POLL_MS = 2_000;
/** Three builds measured on two loaded cores. */
const BUILD_TIMEOUT_MS = 900_000;

export const MODEL_BUILD_STEP = `  (--model-build) an EdgeModelBuild with spec.publish: the digits MLP (trained on scikit-learn's
     digits) ${VERSIONS.first} served on the ${CLASS} devices, then built by the operator's Job on a build
     node (${TARGETS.join(", ")}; accuracy, size and latency measured), signed and pushed
     to a real OCI registry with ${VERSIONS.first}'s onnx-fp32 carried (verified, signed again), and
     ${VERSIONS.built} rolled out by the operator, printed as it goes; then the build's own report of
     what the devices measured of it (status.fleet: p50/p95 and accuracy per class, RolledOut)`;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type ModelBuildStepOptions = BuildStepOptions;

/** The step: every object it applies is deleted first, so each run starts afresh. */
export async function modelBuildStep(o: ModelBuildStepOptions): Promise<void> {
  const { client, namespace, say } = o;
  const base = `/apis/edgefleet.io/v1alpha1/namespaces/${namespace}`;
  const work = join(stateDir(), "demo-build-publish");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const del = (path: string) =>
    client.request({ method: "DELETE", path }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  await del(`${base}/edgemodelbuilds/${MODEL}`);
  await del(`${base}/edgemodels/${MODEL}`);

  // The inputs on the demo's HTTPS registry; the builds go to a real OCI registry with a certificate of the same CA.
  const baseUrl = `https://${LOCAL_HOST}:${o.platform.ports.artifacts}`;
  const served = (file: string) => {
    const bytes = readFileSync(join(work, file));
    copyFileSync(join(work, file), join(o.platform.registryDir, `build-${file}`));
    return { uri: `${baseUrl}/build-${file}`, sha256: sha256(bytes), sizeBytes: bytes.length };
  };
  await withDemoBuildSite({ client, pkiDir: join(o.dir, "pki"), dir: work }, async (registry) => {
    say(`  OCI registry: ${registry.address} (CNCF Distribution, HTTPS); build node: ${DEMO_BUILD_NODE}`);
    const read = await serveDigits({
      ...o,
      work,
      version: VERSIONS.first,
      hardwareClass: CLASS,
      slo: { p95LatencySeconds: 0.25 },
      rollout: {
        steps: [1, 10, 100],
        pauseSeconds: 10,
        analysis: { windowSeconds: 30, minSamples: 20, maxFailures: 1, latencyTolerance: 2 },
      },
    });

    await applySigningSecret(client, { name: SIGNING_SECRET, namespace }, o.privateKeyPem);
    const build: EdgeModelBuild = {
      apiVersion: "edgefleet.io/v1alpha1",
      kind: "EdgeModelBuild",
      metadata: { name: MODEL, namespace },
      spec: {
        model: MODEL,
        version: VERSIONS.built,
        source: served("digits-mlp.onnx"),
        calibration: served("digits-calibration.npz"),
        evaluation: served("digits-evaluation.npz"),
        targets: TARGETS,
        maxAccuracyDropPoints: 1,
        ...DEMO_BUILD_PLACEMENT,
        publish: {
          to: `oci://${registry.address}/models/${MODEL}`,
          signingKeyRef: { name: SIGNING_SECRET, key: "ed25519.pem" },
          publicKeyRef: PUBLIC_KEY_REF,
        },
      },
    };
    await client.request({ method: "POST", path: `${base}/edgemodelbuilds`, body: build });
    say(
      `  kubectl get edgemodelbuilds -n ${namespace} ${MODEL}   # applied: ${TARGETS.join(", ")}, published as ${VERSIONS.built}; ${VERSIONS.first}'s onnx-fp32 is carried`,
    );
    await followBuild(() => client.request<EdgeModelBuild>({ method: "GET", path: `${base}/edgemodelbuilds/${MODEL}` }), say);

    const rolled = await followRollout(VERSIONS.built, {
      read,
      latency: () => modelLatency(o.platform.prometheus, namespace, MODEL),
      say,
    });
    const placements = (rolled.status?.placements ?? []).map((p) => `${p.hardwareClass} ${p.variant} on ${p.runtime}`).join(", ");
    say(`  => ${rolled.status?.rollout?.phase}: ${rolled.status?.rollout?.reason}${placements ? ` (${placements})` : ""}`);
    await reportFleet(namespace, () => client.request<EdgeModelBuild>({ method: "GET", path: `${base}/edgemodelbuilds/${MODEL}` }), say);
  });
}

/**
 * What the build itself reports of its version on the devices (status.fleet, RolledOut): each
 * class's latency and, where they score the variants' labelled evaluation data
 * (profile.accuracy.evaluation.uri), its accuracy there against the source's.
 */
async function reportFleet(namespace: string, read: () => Promise<EdgeModelBuild>, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  let status = (await read()).status;
  // The operator copies the rollout's end into the build in its next reconcile.
  while (status?.conditions?.find((c) => c.type === "RolledOut")?.status === "Unknown" && Date.now() - started < 30_000) {
    await sleep(POLL_MS);
    status = (await read()).status;
  }
  const rolled = status?.conditions?.find((c) => c.type === "RolledOut");
  say(
    `  kubectl get edgemodelbuild -n ${namespace} ${MODEL} -o jsonpath='{.status.fleet}'   # the build's own report of ${VERSIONS.built} on the devices:`,
  );
  for (const c of status?.fleet?.classes ?? []) say(`  ${measuredLine(c)}`);
  say(`  RolledOut: ${rolled ? `${rolled.status} (${rolled.reason})` : "not reported"}`);
}

/**
 * Prints the build's progress from its status until the publication's outcome (without publish:
 * until it is built); throws when it fails.
 */
export async function followBuild(read: () => Promise<EdgeModelBuild>, say: (line: string) => void, publishes = true): Promise<void> {
  const started = Date.now();
  let last = "";
  let targetsShown = false;
  for (;;) {
    const status = (await read()).status ?? {};
    const progressing = status.conditions?.find((c) => c.type === "Progressing");
    const line = progressing?.status === "True" ? `  build: ${progressing.message}` : "";
    if (line && line !== last) {
      say(line);
      last = line;
    }
    if (!targetsShown && status.targets?.length) {
      targetsShown = true;
      for (const t of status.targets)
        say(
          `  ${t.target.padEnd(17)} ${t.verdict.padEnd(8)} ${(t.sizeBytes / 1024).toFixed(1).padStart(7)} KiB  accuracy ${t.accuracyPercent.toFixed(2)}% (${t.accuracyDropPoints.toFixed(2)} pt drop)  p95 ${(t.p95LatencySeconds * 1e3).toFixed(3)} ms`,
        );
    }
    const stalled = status.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
    if (stalled) throw new Error(`the build failed: ${stalled.message}`);
    const published = status.conditions?.find((c) => c.type === "Published");
    const ready = status.conditions?.find((c) => c.type === "Ready" && c.status === "True");
    if (ready && !publishes) {
      say(`  => Built: ${ready.message}`);
      return;
    }
    // Built with no Published condition: the API server dropped spec.publish (a CRD older than this code).
    if (ready && !published)
      throw new Error(
        "the build ran but reports no Published condition: the cluster's EdgeModelBuild CRD has no spec.publish (apply this checkout's CRDs)",
      );
    if (published && published.reason !== "Building") {
      for (const v of status.published?.variants ?? []) say(`  pushed ${v.name.padEnd(17)} ${v.uri} (sha256 ${v.sha256.slice(0, 12)}…)`);
      for (const c of status.published?.carried ?? []) say(`  carried ${c.name.padEnd(16)} ${c.uri} (the same file, signed again)`);
      if (published.status !== "True") throw new Error(`the build was not published: ${published.reason}: ${published.message}`);
      say(`  => Published: ${published.message}`);
      return;
    }
    if (Date.now() - started > BUILD_TIMEOUT_MS) throw new Error(`the build did not end within ${BUILD_TIMEOUT_MS / 60_000} minutes`);
    await sleep(POLL_MS);
  }
}
