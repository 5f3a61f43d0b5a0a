import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { crashLoopProblem, failedExit, notStartingMessage, podStartProblem, slimPodStart } from "./pod-start.js";

const pod = (status: NonNullable<V1Pod["status"]>): V1Pod & { metadata: { name: string } } => ({ metadata: { name: "b-1-x" }, status });

const waiting = (name: string, reason: string, message?: string) => ({
  name,
  image: "ghcr.io/edgefleet/model-build:0.1.0",
  imageID: "",
  ready: false,
  restartCount: 0,
  state: { waiting: { reason, ...(message ? { message } : {}) } },
});

describe("podStartProblem", () => {
  it("says what the scheduler says of a pod no node fits", () => {
    const p = pod({
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
        },
      ],
    });
    expect(podStartProblem(p)).toEqual({
      reason: "Unschedulable",
      message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
      cause: "unschedulable",
    });
  });

  it("names the container a kubelet cannot start, init containers first, and passes over ones that are only starting", () => {
    const pulling = pod({
      phase: "Pending",
      initContainerStatuses: [waiting("verify", "PodInitializing")],
      containerStatuses: [waiting("build", "ImagePullBackOff", 'Back-off pulling image "ghcr.io/edgefleet/model-build:0.1.0"')],
    });
    expect(podStartProblem(pulling)).toEqual({
      reason: "ImagePullBackOff",
      message: 'container build: Back-off pulling image "ghcr.io/edgefleet/model-build:0.1.0"',
      cause: "image",
      container: "build",
    });
    expect(podStartProblem(slimPodStart({ ...pulling, metadata: { name: "b-1-x", managedFields: [] } } as never))).toEqual(
      podStartProblem(pulling),
    );
    expect(podStartProblem(pod({ phase: "Pending", containerStatuses: [waiting("build", "ContainerCreating")] }))).toBeUndefined();
    expect(podStartProblem(pod({ phase: "Running" }))).toBeUndefined();
  });

  it("words the first pod that cannot start with the fix for its reason", () => {
    const fixes = { image: "set the image", unschedulable: "choose another node" };
    const unschedulable = {
      ...pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes" }] }),
      metadata: { name: "a" },
    };
    const running = { ...pod({ phase: "Running" }), metadata: { name: "b" } };
    expect(notStartingMessage([running, unschedulable], fixes)).toBe("pod a cannot start: Unschedulable: 0/1 nodes: choose another node");
    expect(notStartingMessage([running], fixes)).toBeUndefined();
    const crashing = {
      ...pod({ phase: "Pending", initContainerStatuses: [waiting("fetch", "CrashLoopBackOff")] }),
      metadata: { name: "c", namespace: "ml" },
    };
    expect(notStartingMessage([crashing], fixes)).toMatch(
      /^pod c cannot start: CrashLoopBackOff: container fetch.*: see its log: kubectl logs -n ml c -c fetch --previous$/,
    );
  });

  it("finds a container crash-looping in a Running pod, waiting for its back-off or running again between two", () => {
    const failed = { terminated: { exitCode: 1, reason: "Error" } };
    const backingOff = pod({
      phase: "Running",
      containerStatuses: [
        {
          ...waiting("runtime", "CrashLoopBackOff", "back-off 40s restarting failed container=runtime"),
          restartCount: 3,
          lastState: failed,
        },
      ],
    });
    expect(crashLoopProblem(backingOff)).toEqual({
      reason: "CrashLoopBackOff",
      message: "container runtime: back-off 40s restarting failed container=runtime; last exit code 1 (Error)",
      cause: "container",
      container: "runtime",
    });
    const between = pod({
      phase: "Running",
      containerStatuses: [{ ...waiting("runtime", ""), state: { running: {} }, restartCount: 4, lastState: failed }],
    });
    expect(crashLoopProblem(between)).toMatchObject({
      reason: "CrashLoopBackOff",
      message: "container runtime restarted 4 time(s); last exit code 1 (Error)",
    });
    expect(podStartProblem(between)).toBeUndefined();
    const recovered = pod({
      phase: "Running",
      containerStatuses: [{ ...waiting("runtime", ""), state: { running: {} }, ready: true, restartCount: 4, lastState: failed }],
    });
    expect(crashLoopProblem(recovered)).toBeUndefined();
  });

  it("keeps in a cache what crashLoopProblem reads, so the controllers' messages give the last exit code", () => {
    const raw = {
      ...pod({
        phase: "Running",
        containerStatuses: [
          {
            ...waiting("client", ""),
            state: { running: { startedAt: new Date(0) } },
            restartCount: 2,
            lastState: { terminated: { exitCode: 137, reason: "OOMKilled", message: "a long log tail" } },
          },
        ],
      }),
      metadata: { name: "fl-client-3", namespace: "ml" },
    };
    const slim = slimPodStart(raw);
    expect(slim.status?.containerStatuses?.[0]?.lastState).toEqual({ terminated: { exitCode: 137, reason: "OOMKilled" } });
    expect(notStartingMessage([slim], { image: "", unschedulable: "" })).toBe(
      "pod fl-client-3 cannot start: CrashLoopBackOff: container client restarted 2 time(s); last exit code 137 (OOMKilled): see its log: kubectl logs -n ml fl-client-3 -c client --previous",
    );
  });

  it("says how a pod that ran to its end failed, from what a cache keeps: the exit code, reason and the start of its message", () => {
    const ended = (exitCode: number, message?: string) =>
      slimPodStart({
        ...pod({
          phase: exitCode === 0 ? "Succeeded" : "Failed",
          containerStatuses: [
            { ...waiting("coordinator", ""), state: { terminated: { exitCode, reason: "Error", ...(message ? { message } : {}) } } },
          ],
        }),
        metadata: { name: "fl-coordinator", namespace: "ml" },
      });
    expect(failedExit(ended(1, "ValueError: no data\n"))).toBe("container coordinator exited with code 1 (Error): ValueError: no data");
    expect(failedExit(ended(2))).toBe("container coordinator exited with code 2 (Error)");
    expect(failedExit(ended(0, "done"))).toBeUndefined();
    const long = failedExit(ended(1, "x".repeat(4096))) ?? "";
    expect(long.length).toBeLessThan(500);
    expect(long.endsWith("…")).toBe(true);
  });
});
