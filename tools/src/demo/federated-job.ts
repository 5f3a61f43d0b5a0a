// `tools/edgefleet demo --federated-job`: after the rollouts, a FederatedTraining reconciled by
// the operator on the simulated fleet, its rounds printed from the job's status as they land,
// then the EdgeModelBuild the operator creates from the signed, pushed result, followed to its
// targets' verdicts and its publication, and the staged rollout of the published version.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EdgeModelBuild, FederatedTraining, FederatedTrainingStatus } from "@edgefleet/api";
import { isNotFound } from "@edgefleet/kube";
import { followRollout } from "../model-build/rollout-progress.js";
import { PUBLIC_KEY_REF } from "../platform/registry.js";
import { applySigningSecret, DEMO_BUILD_NODE, DEMO_BUILD_PLACEMENT, withDemoBuildSite } from "./build-node.js";
import { modelLatency } from "./progress.js";
import { type BuildStepOptions, DIGITS, serveDigits } from "./served-digits.js";

const JOB = "digits-fl";
const CLASS = "intel-nuc";
const ROUNDS = 3;
const POLL_MS = 2_000;
/** Flower starts a Python process per message: three SecAgg+ rounds take minutes on two cores. */
const TIMEOUT_MS = 900_000;
/** The build of two targets on the build node: a minute or two. */
const BUILD_TIMEOUT_MS = 600_000;
/** The Secret holding the demo's signing key, which the coordinator signs the trained model with. */
const SIGNING_SECRET = "federated-model-signing";
const FIRST_VERSION = "1.0";
const TRAINED_VERSION = "2026.12.1";
/** The build's targets: ONNX only, so the rollout's latency gate compares like with like (ONNX Runtime on both versions). */
const TARGETS = ["onnx-fp32", "onnx-int8-dynamic"] as const;

export const FEDERATED_JOB_STEP = `  8. (--federated-job) a FederatedTraining reconciled by the operator: the ${CLASS} devices that run
     run below 85 °C (read from Prometheus) each get a Flower client pod (one that cools below it
     later joins the running job), a coordinator pod
     aggregates ${ROUNDS} rounds with SecAgg+ and FedProx, each round printed from the job's status;
     the coordinator signs the model and pushes it to an OCI registry, the operator creates an
     EdgeModelBuild from the result, built on a build node to its targets' verdicts and published
     as the new version of the ${DIGITS} EdgeModel the ${CLASS} devices serve, which the staged
     rollout promotes on what the devices measure, printed as it goes`;

/** The job the step applies: the digits MLP on the intel-nuc class (docs/federated.md). */
export function federatedJob(namespace: string, registry: string): FederatedTraining {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "FederatedTraining",
    metadata: { name: JOB, namespace },
    spec: {
      model: "digits",
      trainer: { image: "registry.example/vision/digits-fl:1.0" },
      rounds: ROUNDS,
      devicesPerRoundPercent: 60,
      minDevices: 2,
      // Above the simulated devices' throttling point (80 °C), below their full-load 88 °C.
      eligibility: { hardwareClasses: [CLASS], maxTemperatureCelsius: 85 },
      strategy: "FedProx",
      secureAggregation: true,
      output: { path: "/var/lib/edgefleet/federated/digits" },
      // On a simulated device: unpinned, the scheduler may pick the build node, whose pods only builds run.
      coordinator: { nodeSelector: { "edgefleet.io/hardware-class": CLASS } },
      build: {
        to: `oci://${registry}/vision/digits`,
        version: TRAINED_VERSION,
        signingKeyRef: { name: SIGNING_SECRET, key: "ed25519.pem" },
        publicKeyRef: PUBLIC_KEY_REF,
        template: {
          targets: [...TARGETS],
          maxAccuracyDropPoints: 2,
          ...DEMO_BUILD_PLACEMENT,
          // Into the EdgeModel named spec.model, which the step serves first.
          publish: { to: `oci://${registry}/vision/digits-served`, signingKeyRef: { name: SIGNING_SECRET, key: "ed25519.pem" } },
        },
      },
    },
  } as FederatedTraining;
}

export type FederatedJobStepOptions = BuildStepOptions;

/**
 * The step with what spec.build needs around it: an OCI registry (real Distribution, HTTPS from
 * the platform's CA, anonymous, as the build Job pulls), the signing key as a Secret, and a build
 * node running the builds' pods (the simulator's build-pod runner); all stopped when the step ends.
 */
export async function federatedJobStep(o: FederatedJobStepOptions): Promise<void> {
  await withDemoBuildSite({ client: o.client, pkiDir: join(o.dir, "pki"), dir: o.dir }, async (registry) => {
    await applySigningSecret(o.client, { name: SIGNING_SECRET, namespace: o.namespace }, o.privateKeyPem);
    o.say(`  registry: oci://${registry.address} (CNCF Distribution); build node: ${DEMO_BUILD_NODE}`);
    // The EdgeModel the trained model becomes a version of, afresh: a previous run's is deleted.
    await o.client
      .request({ method: "DELETE", path: `/apis/edgefleet.io/v1alpha1/namespaces/${o.namespace}/edgemodels/${DIGITS}` })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    const work = join(o.dir, "federated-job");
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const read = await serveDigits({
      ...o,
      work,
      version: FIRST_VERSION,
      hardwareClass: CLASS,
      slo: { p95LatencySeconds: 0.25 },
      // Short steps: the rollout adds about a minute to the step.
      rollout: { steps: [50, 100], pauseSeconds: 5, analysis: { windowSeconds: 20, minSamples: 20, maxFailures: 1, latencyTolerance: 4 } },
    });
    await trainAndBuild(o, registry.address);
    const rolled = await followRollout(TRAINED_VERSION, {
      read,
      latency: () => modelLatency(o.platform.prometheus, o.namespace, DIGITS),
      say: o.say,
    });
    const placements = (rolled.status?.placements ?? []).map((p) => `${p.hardwareClass} ${p.variant} on ${p.runtime}`).join(", ");
    o.say(`  => ${rolled.status?.rollout?.phase}: ${rolled.status?.rollout?.reason}${placements ? ` (${placements})` : ""}`);
    if (rolled.status?.rollout?.phase !== "Promoted")
      throw new Error(`the rollout of ${TRAINED_VERSION} ended ${rolled.status?.rollout?.phase}`);
  });
}

/** Applies the job afresh (a previous run's is deleted first, its build with it) and follows it, then its build, to the end. */
async function trainAndBuild(o: FederatedJobStepOptions, registry: string): Promise<void> {
  const path = `/apis/edgefleet.io/v1alpha1/namespaces/${o.namespace}/federatedtrainings`;
  // A job's spec is immutable and it runs once: the demo's run starts a new one.
  await o.client.request({ method: "DELETE", path: `${path}/${JOB}` }).catch(() => undefined);
  for (let i = 0; i < 30; i++) {
    const gone = await o.client.request({ method: "GET", path: `${path}/${JOB}` }).then(
      () => false,
      () => true,
    );
    if (gone) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await o.client.request({ method: "POST", path, body: federatedJob(o.namespace, registry) });
  o.say(`  kubectl get federatedtrainings -n ${o.namespace} ${JOB}   # applied; the operator picks the eligible devices`);
  const started = Date.now();
  let printed = 0;
  let clientsShown = false;
  let members = new Set<string>();
  for (;;) {
    const status = (await o.client.request<FederatedTraining>({ method: "GET", path: `${path}/${JOB}` })).status ?? {};
    // A device that becomes eligible while the job runs (one cooled below the limit, say) joins it.
    const joined = clientsShown ? (status.clients ?? []).filter((n) => !members.has(n)) : [];
    if (joined.length) o.say(`  joined the running job: ${joined.join(", ")} (${status.devices} devices so far)`);
    members = new Set([...members, ...(status.clients ?? [])]);
    if (!clientsShown && status.clients?.length) {
      clientsShown = true;
      o.say(`  ${status.clients.length} eligible devices got a client pod: ${status.clients.join(", ")}`);
      // Other classes' nodes are left out by design; say only why an eligible class's node is.
      const excluded = status.excluded ?? [];
      const otherClasses = excluded.filter((e) => e.reason.startsWith("hardware class"));
      if (otherClasses.length) o.say(`  ${otherClasses.length} nodes of other hardware classes left out`);
      for (const e of excluded) if (!otherClasses.includes(e)) o.say(`  excluded ${e.node}: ${e.reason}`);
    }
    for (const r of (status.rounds ?? []).slice(printed)) {
      o.say(
        `  round ${r.round}/${ROUNDS}: ${r.participants} of ${r.sampled} sampled devices${r.available === undefined ? "" : ` (of ${r.available} connected)`} replied, accuracy ${r.accuracyPercent.toFixed(1)}%, loss ${r.loss.toFixed(3)} (${r.seconds.toFixed(0)}s)`,
      );
      printed++;
    }
    const end = ended(status);
    const handed = status.conditions?.find((c) => c.type === "BuildCreated");
    if (end && (status.phase !== "Succeeded" || handed)) {
      o.say(`  => ${end}`);
      if (status.phase !== "Succeeded") throw new Error(`the FederatedTraining did not succeed: ${end}`);
      o.say(`  => BuildCreated ${handed?.status}: ${handed?.message}`);
      if (handed?.status !== "True") throw new Error(`no EdgeModelBuild from the trained model: ${handed?.message}`);
      await followBuild(o, status.build?.name ?? JOB);
      return;
    }
    if (Date.now() - started > TIMEOUT_MS) throw new Error(`the FederatedTraining did not end within ${TIMEOUT_MS / 60_000} minutes`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function ended(s: FederatedTrainingStatus): string | undefined {
  if (s.phase === "Succeeded") return `Succeeded: the model is ${s.output?.model} on ${s.output?.node}`;
  const stalled = s.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
  if (s.phase === "Failed" || stalled) return `${s.phase}: ${stalled?.message ?? "failed"}`;
  return undefined;
}

/** Follows the EdgeModelBuild the job created: its Job, each target's verdict, then its publication. */
async function followBuild(o: FederatedJobStepOptions, name: string): Promise<void> {
  const path = `/apis/edgefleet.io/v1alpha1/namespaces/${o.namespace}/edgemodelbuilds/${name}`;
  const first = await o.client.request<EdgeModelBuild>({ method: "GET", path });
  o.say(`  kubectl get edgemodelbuilds -n ${o.namespace} ${name}   # created by the operator from the training's result`);
  o.say(
    `  source ${first.spec.source.uri} (signed for ${first.spec.model} ${first.spec.version}), targets ${first.spec.targets.join(", ")}`,
  );
  const started = Date.now();
  let said = "";
  for (;;) {
    const b = await o.client.request<EdgeModelBuild>({ method: "GET", path });
    const progressing = b.status?.conditions?.find((c) => c.type === "Progressing" && c.status === "True");
    const line = progressing ? `  building: ${b.status?.job ?? ""} ${progressing.message}` : "";
    if (line && line !== said) o.say(line);
    said = line || said;
    const over = b.status?.conditions?.find((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True");
    if (over) {
      for (const t of b.status?.targets ?? [])
        o.say(
          `  ${t.target}: ${t.verdict}, accuracy ${t.accuracyPercent.toFixed(2)}% (${t.accuracyDropPoints >= 0 ? "-" : "+"}${Math.abs(t.accuracyDropPoints).toFixed(2)} points), p95 ${(t.p95LatencySeconds * 1000).toFixed(2)} ms, ${(t.sizeRatio * 100).toFixed(0)}% of the source's size${t.reason ? `: ${t.reason}` : ""}`,
        );
      o.say(`  => ${over.type} ${over.reason}: ${over.message}`);
      if (over.type !== "Ready") throw new Error(`the EdgeModelBuild failed: ${over.message}`);
      // Decided in the status write that ended the build.
      const published = b.status?.conditions?.find((c) => c.type === "Published");
      for (const v of b.status?.published?.variants ?? []) o.say(`  pushed ${v.name} ${v.uri}`);
      o.say(`  => Published ${published?.status}: ${published?.message}`);
      if (published?.status !== "True")
        throw new Error(`the EdgeModelBuild was not published: ${published?.reason}: ${published?.message}`);
      return;
    }
    if (Date.now() - started > BUILD_TIMEOUT_MS)
      throw new Error(`the EdgeModelBuild did not end within ${BUILD_TIMEOUT_MS / 60_000} minutes`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
