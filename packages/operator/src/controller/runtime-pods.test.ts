import type { KubeObject } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { startChanged, stuckPods } from "./runtime-pods.js";

const pod = (name: string, waiting?: { reason: string; message?: string }, deleting = false): V1Pod & KubeObject => ({
  metadata: {
    name,
    namespace: "vision",
    labels: { "edgefleet.io/model": "detector", "edgefleet.io/hardware-class": "jetson-orin" },
    ...(deleting ? { deletionTimestamp: new Date("2026-12-06T00:00:00Z") } : {}),
  },
  status: {
    phase: "Pending",
    containerStatuses: [{ name: "runtime", image: "x", imageID: "", ready: false, restartCount: 0, state: waiting ? { waiting } : {} }],
  },
});

describe("stuckPods", () => {
  it("lists the pods that cannot start in name order, leaving out those only starting or being deleted", () => {
    const pull = { reason: "ImagePullBackOff", message: 'Back-off pulling image "x"' };
    const stuck = stuckPods([
      pod("detector-b", pull),
      pod("detector-a", { reason: "CrashLoopBackOff" }),
      pod("detector-c", { reason: "ContainerCreating" }),
      pod("detector-d", pull, true),
    ]);
    expect(stuck.map((s) => `${s.pod} ${s.hardwareClass} ${s.problem.reason} ${s.problem.cause}`)).toEqual([
      "detector-a jetson-orin CrashLoopBackOff container",
      "detector-b jetson-orin ImagePullBackOff image",
    ]);
  });

  it("counts a pod's change only when what status would say of it changes", () => {
    const creating = pod("p", { reason: "ContainerCreating" });
    expect(startChanged(creating, pod("p", { reason: "PodInitializing" }))).toBe(false);
    expect(startChanged(creating, pod("p", { reason: "ErrImagePull", message: "no such host" }))).toBe(true);
    expect(startChanged(pod("p", { reason: "ErrImagePull" }), pod("p", { reason: "ErrImagePull" }))).toBe(false);
  });
});
