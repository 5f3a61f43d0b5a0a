import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import {
  FEDERATED_ENV,
  FEDERATED_LABELS,
  type FederatedBuildConfig,
  type FederatedJobConfig,
  PROGRESS_KEYS,
  type TrainingBuildResult,
} from "@edgefleet/api";
import { errorMessage, type Logger } from "@edgefleet/kit";
import type { KubeClient } from "@edgefleet/kube";
import { kubeTime } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";
import type { Toolchain } from "../cluster/toolchain.js";
import { flowerEnv, flowerTls, submitRun, superLink, superNode, writeShards } from "../federated/flower.js";
import { handOffFromPod } from "../federated/handoff.js";
import { jobRun } from "../federated/job-run.js";
import { clientMemoryProblem } from "../federated/memory.js";
import { stopMarked } from "../federated/processes.js";
import { ProgressReport, patchProgress } from "../federated/progress.js";
import { LOCAL_HOST } from "../platform/pki.js";
import { freePort } from "../services/ports.js";
import type { Service } from "../services/service.js";
import { patchPodStatus, terminatedStatus } from "./pod-status.js";
import { secretVolumeFiles } from "./secret-volume.js";

/** How often a coordinator's rounds are copied into its progress ConfigMap. */
const PROGRESS_POLL_MS = 1000;

export interface FederatedPodsOptions {
  readonly client: KubeClient;
  /** Per-node directories live here, as the fleet simulation's: a hostPath P of node N is DIR/N/hostpath/P. */
  readonly dir: string;
  readonly toolchain: () => Toolchain;
  readonly log: Logger;
  /** Called when a coordinator is up, so the job's client pods get their SuperNodes. */
  readonly changed: () => void;
}

const env = (pod: V1Pod, name: string) => pod.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;
const podKey = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const jobKey = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.labels?.[FEDERATED_LABELS.job]}`;
const ended = (pod: V1Pod) => pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded";

/** A coordinator pod as processes: a SuperLink, the app submitted to it, its rounds copied to the ConfigMap. */
interface Coordinator {
  /** Every process of the job, its clients' included, carries it (tools/src/federated/processes.ts). */
  marker: string;
  env: NodeJS.ProcessEnv;
  address: string;
  nodeTls: string[];
  dir: string;
  services: readonly Service[];
  /** Each partition's data file: the devices' own data, written before any client starts. */
  shards: string[];
  progress: ReturnType<typeof setInterval>;
  /** The pod it runs, and when it started (the container's startedAt). */
  pod: V1Pod;
  startedAt: string;
  /** Set when the app's run ended in an error; the next pass fails the pod with it. */
  runError?: string;
}

/**
 * Runs FederatedTraining pods bound to simulated nodes as Flower processes on this machine, the
 * pods' contract (packages/api federated-pods.ts) read from their environment: the coordinator
 * pod as a SuperLink with edgefleet's Flower app submitted to it (tools/src/federated), writing
 * the app's rounds and result into the job's progress ConfigMap as a coordinator image would;
 * each client pod as a SuperNode dialling its job's SuperLink, with the partition the pod names.
 * The app trains the digits MLP whatever the trainer image: kwok nodes run no images.
 */
export class FederatedPods {
  readonly #o: FederatedPodsOptions;
  readonly #coordinators = new Map<string, Coordinator>();
  readonly #clients = new Map<string, Service>();
  /** Clients not started for want of memory, each warned of once until it starts. */
  readonly #shortOfMemory = new Set<string>();
  /** Coordinator pods whose container failed, by uid: why, written as a kubelet would until the pod says Failed; never started again. */
  readonly #failed = new Map<string, { why: string; startedAt: string }>();

  constructor(options: FederatedPodsOptions) {
    this.#o = options;
  }

  /** Brings the processes in line with the pods (bound ones only); one call at a time. */
  async apply(pods: readonly V1Pod[]): Promise<void> {
    const role = (p: V1Pod) => p.metadata?.labels?.[FEDERATED_LABELS.role];
    const uids = new Set(pods.map((p) => p.metadata?.uid));
    for (const uid of this.#failed.keys()) if (!uids.has(uid)) this.#failed.delete(uid);
    // A failed coordinator's status until the API server has it (a write that failed is written again).
    for (const p of pods) if (!ended(p) && this.#failed.has(p.metadata?.uid ?? "")) await this.#writeFailure(p);
    const bound = pods.filter(
      (p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp && !ended(p) && !this.#failed.has(p.metadata?.uid ?? ""),
    );
    const coordinators = new Map(bound.filter((p) => role(p) === "coordinator").map((p) => [jobKey(p), p]));
    const clients = new Map(bound.filter((p) => role(p) === "client").map((p) => [podKey(p), p]));
    for (const key of this.#shortOfMemory) if (!clients.has(key)) this.#shortOfMemory.delete(key);
    for (const [key, client] of [...this.#clients]) {
      if (clients.has(key)) continue;
      this.#clients.delete(key);
      await client.dispose();
      this.#o.log.info("federated client stopped", { pod: key });
    }
    for (const [key, c] of [...this.#coordinators]) {
      if (coordinators.has(key)) continue;
      await this.#stopCoordinator(key, c);
      this.#o.log.info("federated coordinator stopped", { job: key });
    }
    for (const [key, c] of [...this.#coordinators]) {
      if (c.runError === undefined) continue;
      await this.#stopCoordinator(key, c);
      await this.#fail(c.pod, `the federated run failed: ${c.runError}`, c.startedAt, this.#o.log.with({ job: key }));
      coordinators.delete(key);
    }
    for (const [key, pod] of coordinators) if (!this.#coordinators.has(key)) await this.#startCoordinator(key, pod);
    for (const [key, pod] of clients) {
      const coordinator = this.#coordinators.get(jobKey(pod));
      // Its SuperLink is not up yet: changed() brings another pass when it is.
      if (coordinator && !this.#clients.has(key)) await this.#startClient(key, pod, coordinator);
    }
  }

  async #startCoordinator(key: string, pod: V1Pod): Promise<void> {
    const startedAt = kubeTime(new Date());
    const log = this.#o.log.with({ job: key });
    const job = JSON.parse(env(pod, FEDERATED_ENV.job) ?? "null") as FederatedJobConfig | null;
    const configMap = env(pod, FEDERATED_ENV.progressConfigMap);
    if (!job || !configMap) {
      // The coordinator image exits at once without them, as this does.
      await this.#fail(
        pod,
        `the coordinator pod has no ${job ? FEDERATED_ENV.progressConfigMap : FEDERATED_ENV.job} in its environment`,
        startedAt,
        log,
      );
      return;
    }
    const toolchain = this.#o.toolchain();
    const dir = join(this.#o.dir, "federated", key.replace("/", "-"));
    const out = join(this.#o.dir, pod.spec?.nodeName ?? "", "hostpath", job.output);
    const home = join(dir, "flower-home");
    mkdirSync(home, { recursive: true });
    mkdirSync(out, { recursive: true });
    for (const f of [PROGRESS_KEYS.rounds, PROGRESS_KEYS.result]) rmSync(join(out, f), { force: true });
    const marker = randomUUID();
    const flower = flowerEnv(toolchain, home, marker);
    const port = await freePort();
    const tls = flowerTls(dir);
    const services = await superLink(toolchain, flower, dir, port, tls);
    const namespace = pod.metadata?.namespace ?? "";
    const build = job.build;
    const report = new ProgressReport({
      client: this.#o.client,
      namespace,
      configMap,
      out,
      podOut: job.output,
      ...(build ? { handOff: () => this.#handOff(pod, build, out, log) } : {}),
      log,
    });
    const c: Coordinator = {
      marker,
      env: flower,
      address: `${LOCAL_HOST}:${port}`,
      nodeTls: tls.nodeTls,
      dir,
      services,
      shards: [],
      progress: setInterval(() => void report.report(), PROGRESS_POLL_MS),
      pod,
      startedAt,
    };
    this.#coordinators.set(key, c);
    let run: ReturnType<typeof jobRun>;
    try {
      run = jobRun(job, out);
      c.shards = await writeShards(toolchain, join(dir, "devices"), job.devices, run.split);
      // The contract's CA, as a trainer image writes it. Its client pods would mount it on a kubelet;
      // here their SuperNodes read the file, so a failed write only leaves the ConfigMap without it.
      await patchProgress(this.#o.client, namespace, configMap, { [PROGRESS_KEYS.superlinkCa]: tls.caPem }).catch((err: unknown) =>
        log.warn("SuperLink CA not written into the progress ConfigMap", { error: errorMessage(err) }),
      );
      for (const service of services) await service.start();
    } catch (err) {
      await this.#stopCoordinator(key, c);
      await this.#fail(pod, `the coordinator did not start: ${errorMessage(err)}`, startedAt, log);
      return;
    }
    log.info("federated coordinator started", { address: c.address, devices: job.devices, out });
    submitRun(toolchain, flower, dir, c.address, tls.cliTls, run.config).then(
      () => report.report(),
      (err: unknown) => {
        // The app's run ended in an error: the coordinator's container exits 1 with it (next pass).
        c.runError = errorMessage(err);
        this.#o.changed();
      },
    );
    this.#o.changed();
  }

  /** The coordinator's container exited 1 saying why: the pod is Failed (restartPolicy Never), its processes stopped, never started again. */
  async #fail(pod: V1Pod, why: string, startedAt: string, log: Logger): Promise<void> {
    log.error("federated coordinator failed", { pod: podKey(pod), error: why });
    this.#failed.set(pod.metadata?.uid ?? "", { why, startedAt });
    await this.#writeFailure(pod);
  }

  async #writeFailure(pod: V1Pod): Promise<void> {
    const failure = this.#failed.get(pod.metadata?.uid ?? "");
    const container = pod.spec?.containers[0];
    if (!failure || !container) return;
    try {
      await patchPodStatus(
        this.#o.client,
        pod,
        terminatedStatus(pod, container, { exitCode: 1, message: failure.why, startedAt: failure.startedAt }),
      );
    } catch (err) {
      this.#o.log.warn("failed coordinator's status not written; will retry", { pod: podKey(pod), error: errorMessage(err) });
    }
  }

  async #stopCoordinator(key: string, c: Coordinator): Promise<void> {
    this.#coordinators.delete(key);
    await this.#close(c);
  }

  async #startClient(key: string, pod: V1Pod, c: Coordinator): Promise<void> {
    const job = JSON.parse(env(pod, FEDERATED_ENV.job) ?? "null") as FederatedJobConfig | null;
    const partition = env(pod, FEDERATED_ENV.partition);
    if (!job || partition === undefined) {
      this.#o.log.warn("federated client pod without its settings; not simulated", { pod: key });
      return;
    }
    // Every device is two processes of this machine: past its memory they would swap it to a standstill.
    const short = clientMemoryProblem();
    if (short) {
      if (!this.#shortOfMemory.has(key)) this.#o.log.warn("federated client not started: short of memory", { pod: key, why: short });
      this.#shortOfMemory.add(key);
      return;
    }
    this.#shortOfMemory.delete(key);
    // The simulated data set is split among the devices the job started with; a device that joined
    // later (partition past them) trains on a copy of one of those shares. Real devices bring their own data.
    const shard = c.shards[Number(partition) % c.shards.length];
    const node = superNode(this.#o.toolchain(), c.env, {
      name: `Flower SuperNode ${key}`,
      logFile: join(c.dir, `supernode-${basename(key)}.log`),
      superlink: c.address,
      runtimePort: await freePort(),
      tls: c.nodeTls,
      nodeConfig: `partition-id=${partition} num-partitions=${job.devices} data-file=${JSON.stringify(shard)} traffic-file=${JSON.stringify(join(c.dir, "traffic.jsonl"))}`,
    });
    this.#clients.set(key, node);
    try {
      await node.start();
      this.#o.log.info("federated client started", { pod: key, node: pod.spec?.nodeName, partition });
    } catch (err) {
      this.#clients.delete(key);
      await node.dispose();
      this.#o.log.warn("federated client did not start; will retry", { pod: key, error: String(err) });
    }
  }

  /** spec.build's hand-off as a coordinator image does it: its Secrets read from their mounts (here: the API), its pushes reaching the registry as the pod's environment says. */
  async #handOff(pod: V1Pod, build: FederatedBuildConfig, out: string, log: Logger): Promise<TrainingBuildResult> {
    const read = async (dir: string, file: string): Promise<string> => {
      const mount = pod.spec?.containers[0]?.volumeMounts?.find((v) => v.mountPath === dir);
      const secret = pod.spec?.volumes?.find((v) => v.name === mount?.name)?.secret;
      if (!secret) throw new Error(`the coordinator pod mounts no Secret at ${dir}`);
      const bytes = (await secretVolumeFiles(this.#o.client, pod.metadata?.namespace ?? "", secret)).get(file);
      if (!bytes) throw new Error(`Secret ${secret.secretName} mounted at ${dir} has no ${file}`);
      return bytes.toString("utf8");
    };
    const podEnv = Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    const result = await handOffFromPod({ build, out, read, env: podEnv });
    if ("error" in result) log.warn("trained model not handed off", { error: result.error });
    else log.info("trained model signed and pushed", { source: result.source.uri });
    return result;
  }

  async #close(c: Coordinator): Promise<void> {
    clearInterval(c.progress);
    await stopMarked(c.marker);
    await Promise.all(c.services.map((s) => s.dispose()));
  }

  async stop(): Promise<void> {
    for (const client of this.#clients.values()) await client.dispose();
    this.#clients.clear();
    for (const c of this.#coordinators.values()) await this.#close(c);
    this.#coordinators.clear();
  }
}
