import { FEDERATED_MAX_DEVICE_NAME_BYTES, FEDERATED_MAX_DEVICES, type FederatedTraining } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { coordinatorIdentity, coordinatorNetworkPolicy } from "./children.js";
import { admit, decide, type JobObservation, TELEMETRY_RECHECK_MS } from "./decide.js";
import type { Progress } from "./progress.js";

const job = (status?: FederatedTraining["status"], spec: Partial<FederatedTraining["spec"]> = {}): FederatedTraining => ({
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "FederatedTraining",
  metadata: { name: "fl", namespace: "ns", uid: "u1", generation: 1 },
  spec: { model: "digits", trainer: { image: "img" }, rounds: 2, devicesPerRoundPercent: 50, output: { path: "/out" }, ...spec },
  ...(status ? { status } : {}),
});
const T0 = new Date("2026-01-01T00:00:00Z");
const later = (s: number) => new Date(T0.getTime() + s * 1000);
const round = (n: number, epsilon?: number) => ({
  round: n,
  sampled: 2,
  participants: 2,
  dropouts: 0,
  loss: 1,
  accuracyPercent: 50 + n,
  seconds: 5,
  ...(epsilon !== undefined ? { epsilon } : {}),
});
const observe = (o: Partial<JobObservation>): JobObservation => ({
  job: job(),
  eligibility: { eligible: ["a", "b", "c"], excluded: [], unmatched: [] },
  telemetry: undefined,
  progress: undefined,
  coordinator: undefined,
  clients: [],
  now: T0,
  ...o,
});
const condition = (plan: ReturnType<typeof decide>, type: string) => plan.status.conditions?.find((c) => c.type === type);
const started = (extra: Partial<Progress> = {}): Progress => ({
  devices: ["a", "b", "c"],
  joined: [],
  rounds: [],
  invalidLines: 0,
  ...extra,
});
const running = (o: Partial<JobObservation> = {}) => {
  const first = decide(observe({}));
  return observe({
    job: job(first.status),
    progress: started(),
    coordinator: { phase: "Running", node: "hub" },
    clients: ["a", "b", "c"].map((node, i) => ({ name: `fl-client-${i}`, node })),
    now: later(10),
    ...o,
  });
};

describe("decide", () => {
  it("waits for enough eligible devices", () => {
    const plan = decide(observe({ job: job(undefined, { minDevices: 4 }) }));
    expect(plan.start).toBeUndefined();
    expect(plan.pods).toEqual([]);
    expect(plan.status.phase).toBe("Pending");
    expect(condition(plan, "Progressing")).toMatchObject({ status: "False", reason: "NotEnoughDevices" });
  });

  it("starts with the eligible devices: a coordinator and a client pinned to each, partition by position", () => {
    const plan = decide(observe({}));
    expect(plan.start).toEqual(["a", "b", "c"]);
    expect(plan.pods.map((p) => [p.metadata?.name, p.spec?.nodeName])).toEqual([
      ["fl-coordinator", undefined],
      ["fl-client-0", "a"],
      ["fl-client-1", "b"],
      ["fl-client-2", "c"],
    ]);
    const env = plan.pods[2]?.spec?.containers[0]?.env ?? [];
    expect(env).toContainEqual({ name: "EDGEFLEET_FL_PARTITION", value: "1" });
    expect(env).toContainEqual({ name: "EDGEFLEET_FL_SUPERLINK", value: "fl-superlink.ns.svc:9092" });
    expect(JSON.parse(env.find((e) => e.name === "EDGEFLEET_FL_JOB")?.value ?? "")).toMatchObject({
      devices: 3,
      rounds: 2,
      devicesPerRoundPercent: 50,
    });
    expect(plan.pods[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "FederatedTraining", uid: "u1", controller: true });
    expect(plan.status).toMatchObject({ phase: "Running", devices: 3, clients: ["a", "b", "c"], startedAt: "2026-01-01T00:00:00Z" });
    expect(plan.events.map((e) => e.reason)).toEqual(["Started"]);
  });

  it("gives the coordinator its own identity and certificate name, and the clients its CA from the progress ConfigMap", () => {
    const [coordinator, client] = decide(observe({})).pods;
    expect(coordinator?.spec?.serviceAccountName).toBe("fl-coordinator");
    expect(coordinator?.spec?.containers[0]?.env).toContainEqual({ name: "EDGEFLEET_FL_SUPERLINK", value: "fl-superlink.ns.svc:9092" });
    expect(client?.spec?.automountServiceAccountToken).toBe(false);
    expect(client?.spec?.volumes).toEqual([
      { name: "superlink-ca", configMap: { name: "fl-progress", items: [{ key: "superlink-ca.crt", path: "ca.crt" }] } },
    ]);
    expect(client?.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "superlink-ca", mountPath: "/var/run/secrets/edgefleet.io/superlink", readOnly: true },
    ]);
    const j = job();
    const [account, role, binding] = coordinatorIdentity(j);
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["fl-progress"], verbs: ["patch"] }]);
    expect(binding).toMatchObject({
      roleRef: { kind: "Role", name: "fl-coordinator" },
      subjects: [{ kind: "ServiceAccount", name: "fl-coordinator", namespace: "ns" }],
    });
    expect(account.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "FederatedTraining", uid: "u1" });
    const of = { "edgefleet.io/federated-training": "fl" };
    expect(coordinatorNetworkPolicy(j).spec).toEqual({
      podSelector: { matchLabels: { ...of, "edgefleet.io/federated-role": "coordinator" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { ...of, "edgefleet.io/federated-role": "client" } } }],
          ports: [{ protocol: "TCP", port: 9092 }],
        },
      ],
    });
  });

  it("says a running job's pod cannot start as Degraded, with a Warning when it first does", () => {
    const notStarting = "pod fl-coordinator cannot start: ImagePullBackOff: container coordinator: …: its image is spec.trainer.image, …";
    const plan = decide(running({ notStarting }));
    expect(plan.status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({
      status: "True",
      reason: "PodNotStarting",
      message: notStarting,
    });
    expect(plan.events).toContainEqual({ type: "Warning", reason: "PodNotStarting", note: notStarting });
    const again = decide(running({ notStarting, job: job(plan.status) }));
    expect(again.events.map((e) => e.reason)).not.toContain("PodNotStarting");
    expect(decide(running({})).status.conditions?.find((c) => c.type === "Degraded")).toMatchObject({ status: "False" });
  });

  it("lists the nodes the rules leave out before those the labels do not select, which a big cluster is mostly made of", () => {
    const unmatched = Array.from({ length: 70 }, (_, i) => ({ node: `a${i}`, reason: "hardware class x is not in fl-cpu" }));
    const plan = decide(running({ eligibility: { eligible: ["a", "c"], excluded: [{ node: "z", reason: "throttling" }], unmatched } }));
    expect(plan.status.excluded).toHaveLength(64);
    expect(plan.status.excluded?.[0]).toEqual({ node: "z", reason: "throttling" });
    expect(plan.status.excluded?.[1]?.node).toBe("a0");
  });

  it("records new rounds with an Event each, and removes the client of a device no longer eligible", () => {
    const plan = decide(
      running({
        progress: started({ rounds: [round(1)] }),
        eligibility: { eligible: ["a", "c"], excluded: [{ node: "b", reason: "temperature 90 °C is above 80 °C" }], unmatched: [] },
      }),
    );
    expect(plan.remove).toEqual(["fl-client-1"]);
    expect(plan.pods.map((p) => p.metadata?.name)).toEqual(["fl-coordinator", "fl-client-0", "fl-client-2"]);
    expect(plan.status).toMatchObject({ clients: ["a", "c"], rounds: [round(1)], lastRoundAt: "2026-01-01T00:00:10Z" });
    expect(plan.events.map((e) => `${e.reason}: ${e.note}`)).toEqual([
      "RoundFinished: round 1: 2 of 2 sampled devices replied, accuracy 51.00%",
      "ClientRemoved: b is no longer eligible: temperature 90 °C is above 80 °C",
    ]);
  });

  it("lets a device that became eligible join the running job: the next partition, written before its pod", () => {
    const plan = decide(running({ eligibility: { eligible: ["a", "b", "c", "d"], excluded: [], unmatched: [] } }));
    expect(plan.join).toEqual(["d"]);
    expect(plan.pods.map((p) => p.metadata?.name)).toEqual(["fl-coordinator", "fl-client-0", "fl-client-1", "fl-client-2", "fl-client-3"]);
    const joiner = plan.pods.at(-1);
    expect(joiner?.spec?.nodeName).toBe("d");
    const env = Object.fromEntries((joiner?.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.EDGEFLEET_FL_PARTITION).toBe("3");
    // The round size and privacy plan stay those of the devices the job started with.
    expect(JSON.parse(env.EDGEFLEET_FL_JOB ?? "{}").devices).toBe(3);
    expect(plan.status).toMatchObject({ devices: 4, clients: ["a", "b", "c", "d"] });
    expect(plan.events.map((e) => `${e.reason}: ${e.note}`)).toEqual(["DevicesJoined: 1 eligible device(s) joined the running job: d"]);
  });

  it("keeps joiners' partitions once joined; one that leaves loses its client and gets it back as before", () => {
    const progress = started({ joined: ["e", "d"] });
    const away = decide(
      running({ progress, eligibility: { eligible: ["a", "b", "c", "e"], excluded: [{ node: "d", reason: "throttled" }], unmatched: [] } }),
    );
    expect(away.join).toBeUndefined();
    expect(away.pods.map((p) => p.metadata?.name)).toEqual(["fl-coordinator", "fl-client-0", "fl-client-1", "fl-client-2", "fl-client-3"]);
    expect(away.status).toMatchObject({ devices: 5, clients: ["a", "b", "c", "e"] });
    const back = decide(running({ progress, eligibility: { eligible: ["a", "b", "c", "d", "e", "f"], excluded: [], unmatched: [] } }));
    expect(back.join).toEqual(["e", "d", "f"]);
    expect(back.pods.slice(5).map((p) => `${p.metadata?.name} ${p.spec?.nodeName}`)).toEqual(["fl-client-4 d", "fl-client-5 f"]);
  });

  it("takes at most FEDERATED_MAX_DEVICES devices, at the start and joining together (what status.clients can list)", () => {
    const many = Array.from({ length: FEDERATED_MAX_DEVICES + 2 }, (_, i) => `n${String(i).padStart(5, "0")}`);
    const start = decide(observe({ eligibility: { eligible: many, excluded: [], unmatched: [] } }));
    expect(start.start).toHaveLength(FEDERATED_MAX_DEVICES);
    const plan = decide(
      running({
        progress: started({ joined: many.slice(0, FEDERATED_MAX_DEVICES - 4) }),
        eligibility: { eligible: many, excluded: [], unmatched: [] },
      }),
    );
    expect(plan.join).toHaveLength(FEDERATED_MAX_DEVICES - 3);
    expect(plan.status.devices).toBe(FEDERATED_MAX_DEVICES);
    // The ones left out are in status, each with why.
    expect(start.status.excluded).toEqual([
      { node: "n10000", reason: "eligible, not taken: the job has 10,000 devices, its most" },
      { node: "n10001", reason: "eligible, not taken: the job has 10,000 devices, its most" },
    ]);
    const joined = new Set(plan.join);
    expect(plan.status.excluded?.map((e) => e.node)).toEqual(many.filter((n) => !joined.has(n)));
  });

  it("takes no more node names than FEDERATED_MAX_DEVICE_NAME_BYTES (long names: fewer devices)", () => {
    const long = Array.from({ length: 3000 }, (_, i) => `${"x".repeat(240)}-${String(i).padStart(4, "0")}`); // 245 bytes, 246 with its separator
    const fit = Math.floor(FEDERATED_MAX_DEVICE_NAME_BYTES / 246);
    const start = decide(observe({ eligibility: { eligible: long, excluded: [], unmatched: [] } }));
    expect(start.start).toHaveLength(fit);
    expect(start.status.excluded?.[0]).toEqual({ node: long[fit], reason: "eligible, not taken: the job's node names fill its 512 KiB" });
    expect(admit(long.slice(fit), long.slice(0, fit)).taken).toEqual([]);
    expect(admit(["short"], long.slice(0, fit - 1)).taken).toEqual(["short"]);
  });

  it("lets nobody join a job that is over", () => {
    const plan = decide(
      running({
        progress: started({ result: { roundsPlanned: 1, finalAccuracyPercent: 90, epsilon: null, model: "/out/m.onnx" } }),
        eligibility: { eligible: ["a", "b", "c", "d"], excluded: [], unmatched: [] },
      }),
    );
    expect(plan.join).toBeUndefined();
    expect(plan.status.phase).toBe("Succeeded");
  });

  it("is Stalled after stallAfterSeconds without a round, and looks again when that time comes", () => {
    const quiet = decide(running({ now: later(100) }));
    expect(quiet.requeueAfterMs).toBe(1_700_000);
    const stalled = decide(running({ now: later(1800) }));
    expect(condition(stalled, "Stalled")).toMatchObject({ status: "True", reason: "NoProgress" });
    expect(stalled.events.map((e) => e.reason)).toEqual(["NoProgress"]);
  });

  it("succeeds when the coordinator writes its result, removing every pod; BudgetSpent when DP cut the rounds", () => {
    const dp = { clipNorm: 1, noiseMultiplier: 1, targetEpsilon: 2, delta: 1e-5 };
    const o = running({
      progress: started({
        rounds: [round(1, 1.8)],
        result: { roundsPlanned: 1, finalAccuracyPercent: 51, epsilon: 1.8, model: "/out/m.onnx" },
      }),
    });
    const plan = decide({ ...o, job: job(o.job.status, { differentialPrivacy: dp }) });
    expect(plan.status).toMatchObject({
      phase: "Succeeded",
      roundsPlanned: 1,
      epsilon: 1.8,
      finalAccuracyPercent: 51,
      output: { node: "hub", model: "/out/m.onnx" },
      clients: [],
    });
    expect(plan.pods).toEqual([]);
    expect(plan.remove.sort()).toEqual(["fl-client-0", "fl-client-1", "fl-client-2", "fl-coordinator"]);
    expect(condition(plan, "Succeeded")).toMatchObject({ status: "True" });
    expect(condition(plan, "BudgetSpent")).toMatchObject({ status: "True", reason: "TargetEpsilonReached" });
    expect(plan.events.map((e) => e.reason)).toEqual(["RoundFinished", "Succeeded", "BudgetSpent"]);
  });

  it("fails when the coordinator pod fails, keeping it for its logs, saying how it ended while the pod says", () => {
    const exit = "container coordinator exited with code 1 (Error): ValueError: no data in /data/digits.npz";
    const plan = decide(running({ coordinator: { phase: "Failed", exit } }));
    expect(plan.status.phase).toBe("Failed");
    expect(plan.remove).toEqual(["fl-client-0", "fl-client-1", "fl-client-2"]);
    const said = `the coordinator pod fl-coordinator failed after 0 round(s): ${exit}: see its log: kubectl logs -n ns fl-coordinator`;
    expect(condition(plan, "Stalled")).toMatchObject({ status: "True", reason: "CoordinatorFailed", message: said });
    // The pod gone (deleted by hand): the message stays, not rewritten without the reason.
    const later = decide(running({ job: job(plan.status), coordinator: undefined }));
    expect(condition(later, "Stalled")?.message).toBe(said);
  });

  it("says when eligibility falls back to labels, and rechecks telemetry periodically", () => {
    const plan = decide(
      observe({ job: job(undefined, { eligibility: { excludeThrottled: true } }), telemetry: { unavailable: "no answer" } }),
    );
    expect(condition(plan, "Degraded")).toMatchObject({ status: "True", reason: "TelemetryUnavailable" });
    expect(plan.events.map((e) => e.reason)).toEqual(["TelemetryUnavailable", "Started"]);
    expect(plan.requeueAfterMs).toBe(TELEMETRY_RECHECK_MS);
  });

  it("keeps a condition's transition time while its status stays", () => {
    const first = decide(running());
    const second = decide(running({ job: job(first.status), now: later(60) }));
    expect(condition(second, "Progressing")?.lastTransitionTime).toBe(condition(first, "Progressing")?.lastTransitionTime);
  });
});
