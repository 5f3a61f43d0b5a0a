import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_LABEL, MODEL_BUILD_COMMAND } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import { CONTENT_TYPES, Informer, type InformerMetrics, type KubeClient, type KubeObject, kubeTime, RESOURCES } from "@edgefleet/kube";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { patchPodStatus, terminatedStatus } from "./pod-status.js";
import { secretVolumeFiles } from "./secret-volume.js";

/** The simulated build node's own writes (its Node and its Lease). */
const FIELD_MANAGER = "edgefleet-build-sim";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** What MODEL_BUILD_COMMAND runs in the model-build image (its bundle of this CLI), as a process here. */
const LOCAL_BUILD_COMMAND = [join(ROOT, "tools/edgefleet"), "model", "job"];

/** How often the build node's Lease is renewed: the node lifecycle controller's grace is 40 s and more. */
const LEASE_RENEW_MS = 10_000;
const LEASE_SECONDS = 40;

type Pod = KubeObject & V1Pod;

/** On the simulator's build node (tools/edgefleet simulate --build-node): what a build's nodeSelector picks it by. */
export const BUILD_NODE_LABEL = "edgefleet.io/build-node";

/** The taint a tainted build node carries, so no model is placed on it (the planner and scheduler honour it). */
export const BUILD_NODE_TAINT = { key: BUILD_NODE_LABEL, effect: "NoSchedule" } as const;

/** What a build's spec.tolerations holds to run on a tainted build node. */
export const BUILD_NODE_TOLERATION = { key: BUILD_NODE_LABEL, operator: "Exists", effect: "NoSchedule" } as const;

export interface BuildPodsOptions {
  readonly client: KubeClient;
  /** The Node this simulation registers and is the kubelet of; build pods bound to it run here. */
  readonly node: string;
  /** Its labels, for the builds' nodeSelector (spec.nodeSelector). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Taint it with BUILD_NODE_TAINT: only builds tolerating it (BUILD_NODE_TOLERATION) run there, no model is placed there. */
  readonly tainted?: boolean;
  /** Each pod's work directory and log go under here. */
  readonly dir: string;
  readonly log: Logger;
  readonly metrics: InformerMetrics;
}

/**
 * The kubelet of a build node: a Node of its own (not a kwok device: kwok's stages mark a Job's
 * pod Succeeded the moment it runs), kept Ready by renewing its Lease, whose EdgeModelBuild pods
 * run as real processes: the container's command (tools/edgefleet model job) from the repository
 * root, its volumes as local directories (emptyDir, Secrets' keys as files), its termination
 * message path as a local file. The pod is marked Running, then Succeeded or Failed with the exit
 * code and termination message when the process exits, as a kubelet does.
 */
export class BuildPods {
  private readonly pods: Informer<Pod>;
  private readonly running = new Map<string, ChildProcess>();
  /** Pods this simulation ran to the end, by uid: never run twice. */
  private readonly ended = new Set<string>();
  private cancelLease: (() => void) | undefined;
  /** Passes run one at a time, so a pod's events arriving together never start it twice. */
  private passing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BuildPodsOptions) {
    const pass = () => {
      this.passing = this.passing.then(() => this.pass());
    };
    this.pods = new Informer<Pod>({
      client: options.client,
      log: options.log,
      metrics: options.metrics,
      resource: RESOURCES.pods,
      labelSelector: BUILD_LABEL,
      transform: (o) => o as Pod,
      handlers: {
        added: pass,
        updated: pass,
        deleted: (pod) => this.running.get(pod.metadata.uid ?? "")?.kill("SIGTERM"),
      },
    });
  }

  async start(): Promise<void> {
    await this.register();
    const timer = setInterval(() => {
      this.renew().catch((err: unknown) => this.options.log.warn("build node lease not renewed", { error: String(err) }));
    }, LEASE_RENEW_MS);
    this.cancelLease = () => clearInterval(timer);
    this.pods.start();
    await this.pods.synced();
    this.passing = this.passing.then(() => this.pass());
    await this.passing;
  }

  async stop(): Promise<void> {
    this.cancelLease?.();
    await this.pods.stop();
    for (const child of this.running.values()) child.kill("SIGTERM");
    const { client, node } = this.options;
    for (const path of [`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`, `/api/v1/nodes/${node}`])
      await client.request({ method: "DELETE", path }).catch(() => {});
  }

  /** The build node, Ready, with room for a few builds. */
  private async register(): Promise<void> {
    const { client, node, labels, tainted } = this.options;
    const meta = { name: node, labels: { "kubernetes.io/hostname": node, "kubernetes.io/os": "linux", ...labels } };
    await client.apply(
      RESOURCES.nodes,
      { apiVersion: "v1", kind: "Node", metadata: meta, ...(tainted ? { spec: { taints: [BUILD_NODE_TAINT] } } : {}) },
      FIELD_MANAGER,
    );
    const now = new Date().toISOString();
    const room = { cpu: "4", memory: "16Gi", pods: "8" };
    await client.request({
      method: "PATCH",
      path: `/api/v1/nodes/${node}/status`,
      body: {
        status: {
          capacity: room,
          allocatable: room,
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              message: "edgefleet's build simulation",
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
      contentType: CONTENT_TYPES.merge,
    });
    await this.renew();
  }

  private async renew(): Promise<void> {
    const { client, node } = this.options;
    await client.apply(
      RESOURCES.leases,
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: node, namespace: "kube-node-lease" },
        spec: { holderIdentity: node, leaseDurationSeconds: LEASE_SECONDS, renewTime: new Date().toISOString().replace("Z", "000Z") },
      },
      FIELD_MANAGER,
    );
  }

  private async pass(): Promise<void> {
    for (const pod of this.pods.list()) {
      const uid = pod.metadata.uid ?? "";
      if (pod.spec?.nodeName !== this.options.node || pod.metadata.deletionTimestamp || this.ended.has(uid) || this.running.has(uid))
        continue;
      try {
        await this.run(pod);
      } catch (err) {
        this.options.log.warn("build pod not simulated", { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, error: String(err) });
      }
    }
  }

  private async run(pod: Pod): Promise<void> {
    const { name = "", namespace = "", uid = "" } = pod.metadata;
    const container = pod.spec?.containers[0];
    if (!container || JSON.stringify(container.command) !== JSON.stringify(MODEL_BUILD_COMMAND))
      throw new Error(`its container's command is not ${MODEL_BUILD_COMMAND.join(" ")}`);
    const dir = join(this.options.dir, "builds", `${namespace}.${name}`);
    mkdirSync(dir, { recursive: true });
    const paths = await this.volumes(pod, container, dir);
    const summary = join(dir, "termination-log");
    paths.set(container.terminationMessagePath ?? "/dev/termination-log", summary);
    const local = (arg: string) => {
      for (const [from, to] of paths) if (arg.includes(from)) return arg.replace(from, to);
      return arg;
    };
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ""]));
    const log = openSync(join(dir, "build.log"), "a");
    const startedAt = kubeTime(new Date());
    // The kernel stops the build when the simulator dies (see runtime-instance.ts).
    const child = spawn("setpriv", ["--pdeathsig", "TERM", "--", ...LOCAL_BUILD_COMMAND, ...(container.args ?? []).map(local)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", log, log],
    });
    this.running.set(uid, child);
    await patchPodStatus(this.options.client, pod, {
      phase: "Running",
      containerStatuses: [
        {
          name: container.name,
          image: container.image ?? "",
          imageID: "",
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt } },
        },
      ],
    });
    this.options.log.info("build pod started", { pod: `${namespace}/${name}`, node: pod.spec?.nodeName, log: join(dir, "build.log") });
    child.on("close", (code, signal) => {
      closeSync(log);
      this.running.delete(uid);
      this.ended.add(uid);
      const exitCode = code ?? 128 + 15;
      const message = existsSync(summary) ? readFileSync(summary, "utf8") : "";
      rmSync(join(dir, "volumes"), { recursive: true, force: true });
      this.options.log.info("build pod ended", { pod: `${namespace}/${name}`, exitCode, signal });
      patchPodStatus(this.options.client, pod, terminatedStatus(pod, container, { exitCode, message, startedAt })).catch((err: unknown) =>
        this.options.log.warn("build pod status not written", { pod: `${namespace}/${name}`, error: String(err) }),
      );
    });
  }

  /** Each volume mount as a local directory: an emptyDir empty, a Secret volume (or a projected volume of Secrets) with its items as files. */
  private async volumes(pod: Pod, container: V1Container, dir: string): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
      const local = join(dir, "volumes", mount.name);
      mkdirSync(local, { recursive: true });
      // A Secret volume, or a projected one of Secrets: each Secret's items as files.
      const secrets = volume?.secret?.secretName
        ? [volume.secret]
        : (volume?.projected?.sources ?? []).flatMap((s) => (s.secret?.name ? [{ ...s.secret, secretName: s.secret.name }] : []));
      if (!volume?.secret && !volume?.projected && !volume?.emptyDir)
        throw new Error(`volume ${mount.name} is neither an emptyDir, a Secret nor a projected volume of Secrets`);
      for (const secret of secrets)
        for (const [path, bytes] of await secretVolumeFiles(this.options.client, pod.metadata.namespace ?? "", secret)) {
          mkdirSync(dirname(join(local, path)), { recursive: true });
          writeFileSync(join(local, path), bytes);
        }
      paths.set(mount.mountPath, local);
    }
    return paths;
  }
}
