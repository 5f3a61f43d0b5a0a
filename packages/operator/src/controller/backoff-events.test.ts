import { describe, expect, it } from "vitest";
import {
  BACK_OFF_PODS_READ,
  BACK_OFF_RECENT_MS,
  backOffOwner,
  type CachedBackOff,
  recentBackOffPods,
  slimBackOff,
} from "./backoff-events.js";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const backOff = (pod: string, agoMs: number): CachedBackOff => ({
  metadata: { name: `${pod}.1`, namespace: "ml" },
  pod,
  lastSeenMs: NOW - agoMs,
});

describe("back-off Events", () => {
  it("keep the pod and when the kubelet last backed off, from a legacy count or an events.k8s.io series", () => {
    const legacy = slimBackOff({
      metadata: { name: "detector-x86-cpu-7xk2p.1", namespace: "ml", uid: "u", resourceVersion: "9", managedFields: [] },
      involvedObject: { kind: "Pod", name: "detector-x86-cpu-7xk2p", namespace: "ml" },
      reason: "BackOff",
      message: "Back-off restarting failed container runtime in pod detector-x86-cpu-7xk2p_ml(u)",
      count: 7,
      firstTimestamp: "2026-12-06T11:50:00Z",
      lastTimestamp: "2026-12-06T11:59:00Z",
    } as never);
    expect(legacy).toEqual({
      metadata: { name: "detector-x86-cpu-7xk2p.1", namespace: "ml", uid: "u", resourceVersion: "9" },
      pod: "detector-x86-cpu-7xk2p",
      lastSeenMs: Date.parse("2026-12-06T11:59:00Z"),
    });
    expect(backOffOwner(legacy)).toBe("ml/detector-x86-cpu");
    const series = slimBackOff({
      metadata: { name: "e", namespace: "ml" },
      involvedObject: { kind: "Pod", name: "p-abcde" },
      eventTime: "2026-12-06T11:00:00.000000Z",
      series: { count: 3, lastObservedTime: "2026-12-06T11:58:00.000000Z" },
    } as never);
    expect(series.lastSeenMs).toBe(Date.parse("2026-12-06T11:58:00Z"));
    expect(backOffOwner({ ...series, pod: "not-a-daemonset-pod" })).toBeUndefined();
  });

  it("name the pods backed off lately, each once, in name order, a few at most", () => {
    const events = [
      backOff("d-x86-cpu-ccccc", 1000),
      backOff("d-x86-cpu-aaaaa", 2000),
      backOff("d-x86-cpu-aaaaa", 3000),
      backOff("d-x86-cpu-old00", BACK_OFF_RECENT_MS + 1),
      backOff("d-x86-cpu-bbbbb", 0),
      backOff("d-x86-cpu-ddddd", 0),
    ];
    expect(recentBackOffPods(events, NOW)).toEqual(["d-x86-cpu-aaaaa", "d-x86-cpu-bbbbb", "d-x86-cpu-ccccc"].slice(0, BACK_OFF_PODS_READ));
    expect(recentBackOffPods([backOff("d-x86-cpu-old00", BACK_OFF_RECENT_MS)], NOW)).toEqual([]);
  });
});
