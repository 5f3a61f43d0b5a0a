import type { EdgeRuntime } from "@edgefleet/api";
import type { V1ContainerPort, V1Probe } from "@kubernetes/client-node";

/*
 * What every container that serves models takes from its EdgeRuntime or the Open Inference
 * Protocol: a model's runtime, a Shared runtime's server, and the model loader in its place.
 */

/** The runtime's ports, as container ports. */
export function runtimePorts(runtime: EdgeRuntime): V1ContainerPort[] {
  return (runtime.spec.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? "TCP" }));
}

/** Quantities as the API's string form (a resource list may hold numbers). */
export function stringQuantities(list: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(list ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * The Open Inference Protocol v2 defines liveness and readiness endpoints; probe them on the http
 * port. Readiness every second: the kubelet's first probe comes as the container starts, before
 * the model is loaded, and at a 10 s period the next one left a cached model's cold start waiting
 * up to 10 s more on a real node. The probe is one local GET of a static answer.
 */
export function oipProbes(port = "http"): { livenessProbe: V1Probe; readinessProbe: V1Probe } {
  const probe = (path: string, periodSeconds: number): V1Probe => ({ httpGet: { path, port }, periodSeconds, failureThreshold: 3 });
  return { livenessProbe: probe("/v2/health/live", 10), readinessProbe: probe("/v2/health/ready", 1) };
}

/** The runtime's OIP probes, when it speaks the protocol over a port named http; none otherwise. */
export function healthProbes(runtime: EdgeRuntime): { livenessProbe?: V1Probe; readinessProbe?: V1Probe } {
  const http = runtime.spec.ports?.find((p) => p.name === "http");
  if ((runtime.spec.protocol ?? "open-inference-v2") !== "open-inference-v2" || !http) return {};
  return oipProbes(http.name);
}
