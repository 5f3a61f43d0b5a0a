import { describe, expect, it } from "vitest";
import { networkPolicies, RUNTIME_HTTP_PORTS, urlPort } from "./network.js";

const ALL = { operator: "op", broker: "mqtt", gateway: "gw", agent: "agent" };
type Egress = { to?: unknown[]; ports: { port: number }[] };
const egressPorts = (egress: unknown) => (egress as Egress[]).map((e) => e.ports.map((p) => p.port));
const app = (name: string) => ({ matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "edgefleet" } });

describe("networkPolicies", () => {
  it("denies everything in the namespace first", () => {
    expect(networkPolicies(ALL)["default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("lets only agents, the gateway and the operator reach the broker, on MQTT/TLS", () => {
    expect(networkPolicies(ALL).mqtt?.ingress).toEqual([
      {
        from: [{ podSelector: app("agent") }, { podSelector: app("gw") }, { podSelector: app("op") }],
        ports: [{ protocol: "TCP", port: 8883 }],
      },
    ]);
  });

  it("lets the gateway out to the broker and DNS only", () => {
    expect(egressPorts(networkPolicies(ALL).gw?.egress)).toEqual([[53, 53], [8883]]);
  });

  it("lets agents out to the broker and the operator's runtime pods' http port in any namespace, never to the API server", () => {
    const egress = networkPolicies(ALL).agent?.egress as Egress[];
    expect(egressPorts(egress)).toEqual([[53, 53], [8883], [8080]]);
    expect(egress[2]?.to).toEqual([
      { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "edgefleet-operator" } } },
    ]);
    // The default catalog's runtimes all serve OIP v2 on 8080.
    expect(RUNTIME_HTTP_PORTS).toEqual([8080]);
  });

  it("lets the operator reach the API server, and its Prometheus' port, on any address, and the broker", () => {
    const operator = (plan: Partial<typeof ALL> & { prometheusUrl?: string }) => {
      const egress = networkPolicies({ ...ALL, ...plan }).op?.egress as Egress[];
      expect(egress[1]?.to).toBeUndefined();
      return egressPorts(egress);
    };
    expect(operator({})).toEqual([[53, 53], [443, 6443], [8883]]);
    expect(operator({ prometheusUrl: "http://prometheus-operated.monitoring.svc:9090" })).toEqual([[53, 53], [443, 6443, 9090], [8883]]);
    expect(operator({ prometheusUrl: "http://prometheus.example" })).toEqual([[53, 53], [443, 6443, 80], [8883]]);
    // Already open: listed again, harmlessly (the Helm chart reads the port at install time and cannot drop it).
    expect(operator({ prometheusUrl: "https://prometheus.example/api-prefix" })).toEqual([[53, 53], [443, 6443, 443], [8883]]);
  });

  it("lets the operator reach its OTLP collector's port on any address, beside Prometheus'", () => {
    const operator = (plan: { prometheusUrl?: string; otlpEndpoint?: string }) =>
      egressPorts(networkPolicies({ ...ALL, ...plan }).op?.egress);
    expect(operator({ otlpEndpoint: "http://otel-collector.observability.svc:4318" })).toEqual([[53, 53], [443, 6443, 4318], [8883]]);
    expect(operator({ otlpEndpoint: "http://otel-collector.example" })).toEqual([[53, 53], [443, 6443, 80], [8883]]);
    expect(operator({ prometheusUrl: "http://prometheus.monitoring.svc:9090", otlpEndpoint: "http://otel-collector:4317" })).toEqual([
      [53, 53],
      [443, 6443, 9090, 4317],
      [8883],
    ]);
    // The same port twice: listed twice, harmlessly (see above).
    expect(operator({ prometheusUrl: "http://prometheus:4318", otlpEndpoint: "https://otel-collector.example:4318" })).toEqual([
      [53, 53],
      [443, 6443, 4318, 4318],
      [8883],
    ]);
  });

  it("takes a URL's port from the URL, else from its scheme", () => {
    expect([urlPort("http://p:9090"), urlPort("http://p"), urlPort("https://p"), urlPort("https://p:8443/x")]).toEqual([
      9090, 80, 443, 8443,
    ]);
  });

  it("has no policy for a component that is off", () => {
    expect(Object.keys(networkPolicies({ operator: "op" })).sort()).toEqual(["default-deny", "op"]);
  });
});
