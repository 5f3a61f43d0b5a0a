import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ruleFiles } from "@edgefleet/dashboards";
import { GATEWAY_MQTT_IDENTITY, mosquittoAcl, mosquittoConfig } from "@edgefleet/stacks";
import { mosquittoBinary, runnableConfig } from "../services/mosquitto.js";
import { type OtelCollector, startOtelCollector } from "../services/otel-collector.js";
import { freePort } from "../services/ports.js";
import { type Prometheus, startPrometheus } from "../services/prometheus.js";
import { type Readiness, Service } from "../services/service.js";
import { type ArtifactServer, startArtifactServer } from "../simulator/artifact-server.js";
import { LOCAL_HOST, localPki } from "./pki.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Fixed ports people can bookmark; tests ask for free ones instead. */
export const DEFAULT_PORTS = { broker: 8883, gateway: 9101, operator: 8080, prometheus: 9090, artifacts: 9443, simulator: 9102 };
export type Ports = typeof DEFAULT_PORTS;

export interface LocalPlatformOptions {
  readonly kubeconfig: string;
  /** Logs, certificates, the registry's files, Prometheus data and the simulator's devices. */
  readonly dir: string;
  readonly ports?: Partial<Ports>;
  /** Scrape and rule interval, and the operator's analysis interval. */
  readonly scrapeInterval?: string;
  readonly analysisIntervalSeconds?: number;
  /** Telemetry interval of every simulated device. */
  readonly telemetryInterval?: string;
  /** The operator's own credentials (a test's: its ServiceAccount's, under the platform's RBAC); kubeconfig by default. */
  readonly operatorKubeconfig?: string;
  /** Extra operator flags, e.g. --namespace to confine a test's operator to its namespace. */
  readonly operatorArgs?: readonly string[];
  /** Which nodes the simulator runs devices for (default: every node of the local fleet). */
  readonly simulatorNodeSelector?: string;
  /** Called as each service comes up, for progress output. */
  readonly progress?: (line: string) => void;
}

export interface LocalPlatform {
  readonly ports: Ports;
  readonly prometheus: Prometheus;
  /** Receives the operator's traces over OTLP. */
  readonly collector: OtelCollector;
  readonly registry: ArtifactServer;
  /** Model files served by the registry are put here. */
  readonly registryDir: string;
  readonly services: { broker: Service; gateway: Service; operator: Service; simulator: Service };
  readonly logs: string;
  stop(): Promise<void>;
}

const tsx = (entry: string, args: readonly string[]) => ({
  command: process.execPath,
  args: ["--import", "tsx", join(ROOT, entry), ...args],
});

async function resolvePorts(wanted: Partial<Ports> | undefined, free: boolean): Promise<Ports> {
  const ports = { ...DEFAULT_PORTS, ...wanted };
  if (free) for (const key of Object.keys(ports) as (keyof Ports)[]) if (wanted?.[key] === undefined) ports[key] = await freePort();
  return ports;
}

/**
 * The local platform's real services, next to the kwok cluster: the registry (HTTPS), Mosquitto
 * with the shipped TLS config and ACL, the telemetry gateway, Prometheus with the SRE kit's rules,
 * an OpenTelemetry Collector, the operator with rollout analysis and traces, and the fleet simulator. Started in dependency order, each
 * awaited until ready; stopped in reverse.
 */
export async function startLocalPlatform(options: LocalPlatformOptions & { freePorts?: boolean }): Promise<LocalPlatform> {
  const progress = options.progress ?? (() => {});
  const ports = await resolvePorts(options.ports, options.freePorts ?? false);
  const logs = join(options.dir, "logs");
  mkdirSync(logs, { recursive: true });
  const pki = localPki(join(options.dir, "pki"));
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
  };
  // Restarted when they exit on their own, as their pods would be: the operator exits when it loses its lease.
  const run = async (
    name: string,
    spec: { command: string; args: string[]; env?: NodeJS.ProcessEnv },
    readiness: Readiness,
    startTimeoutMs = 60_000,
  ) => {
    const logFile = join(logs, `${name}.log`);
    const service = new Service({ name, ...spec, cwd: ROOT, logFile, readiness, startTimeoutMs, restartOnExit: true });
    await service.start();
    started.push({ stop: () => service.dispose() });
    progress(`${name}: ready (log: ${logFile})`);
    return service;
  };

  try {
    const registryDir = join(options.dir, "registry");
    mkdirSync(registryDir, { recursive: true });
    const server = pki.issue(LOCAL_HOST, [LOCAL_HOST]);
    const registry = await startArtifactServer({ dir: registryDir, tls: server, port: ports.artifacts });
    started.push({ stop: () => registry.close() });
    progress(`registry: https://${LOCAL_HOST}:${ports.artifacts}`);

    const brokerDir = join(options.dir, "broker");
    const tlsDir = join(brokerDir, "tls");
    pki.write("tls", server, tlsDir);
    writeFileSync(join(tlsDir, "ca.crt"), server.ca);
    writeFileSync(join(brokerDir, "acl"), mosquittoAcl());
    const brokerConfig = join(brokerDir, "mosquitto.conf");
    writeFileSync(
      brokerConfig,
      runnableConfig(mosquittoConfig({ tlsDir, aclFile: join(brokerDir, "acl"), port: ports.broker, host: "127.0.0.1" })),
    );
    const broker = await run("broker", { command: mosquittoBinary(), args: ["-c", brokerConfig] }, { tcpPort: ports.broker });
    const brokerUrl = `mqtts://${LOCAL_HOST}:${ports.broker}`;

    const gatewayIdentity = pki.write("gateway", pki.issue(GATEWAY_MQTT_IDENTITY), join(options.dir, "pki"));
    const gateway = await run(
      "gateway",
      tsx("packages/gateway/src/main.ts", [
        `--broker-url=${brokerUrl}`,
        `--tls-ca=${pki.caFile}`,
        `--tls-cert=${gatewayIdentity.cert}`,
        `--tls-key=${gatewayIdentity.key}`,
        "--client-id=edgefleet-local-gateway",
        `--http-address=127.0.0.1:${ports.gateway}`,
        "--keepalive=10",
      ]),
      { httpUrl: `http://127.0.0.1:${ports.gateway}/readyz` },
    );

    const interval = options.scrapeInterval ?? "5s";
    const prometheus = await startPrometheus({
      dir: join(options.dir, "prometheus"),
      port: ports.prometheus,
      interval,
      ruleFiles: ruleFiles().map((f) => f.path),
      jobs: [
        { job: "edgefleet-telemetry-gateway", targets: [`127.0.0.1:${ports.gateway}`] },
        { job: "edgefleet-operator", targets: [`127.0.0.1:${ports.operator}`] },
      ],
    });
    started.push({ stop: () => prometheus.service.dispose() });
    progress(`prometheus: ${prometheus.url} (rules: dashboards/rules)`);

    const collector = await startOtelCollector({ dir: join(options.dir, "collector") });
    started.push({ stop: () => collector.service.dispose() });
    progress(`collector: OTLP ${collector.httpEndpoint} (spans: ${collector.file})`);

    const operator = await run(
      "operator",
      {
        ...tsx("packages/operator/src/main.ts", [
          `--kubeconfig=${options.operatorKubeconfig ?? options.kubeconfig}`,
          `--http-address=127.0.0.1:${ports.operator}`,
          `--prometheus-url=${prometheus.url}`,
          `--analysis-interval=${options.analysisIntervalSeconds ?? 10}`,
          // The local registry's certificate is from this CA: real runtime pods' installs must trust it.
          `--artifact-ca-bundle=${pki.caFile}`,
          ...(options.operatorArgs ?? []),
        ]),
        // Configured as in a cluster: the standard variables only (docs/tracing.md).
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpEndpoint },
      },
      { httpUrl: `http://127.0.0.1:${ports.operator}/healthz` },
    );

    const simulator = await run(
      "simulator",
      tsx("tools/src/simulator/main.ts", [
        `--kubeconfig=${options.kubeconfig}`,
        `--broker-url=${brokerUrl}`,
        `--pki-dir=${join(options.dir, "pki")}`,
        `--dir=${join(options.dir, "devices")}`,
        `--interval=${options.telemetryInterval ?? "1s"}`,
        `--http-address=127.0.0.1:${ports.simulator}`,
        ...(options.simulatorNodeSelector ? [`--node-selector=${options.simulatorNodeSelector}`] : []),
      ]),
      { httpUrl: `http://127.0.0.1:${ports.simulator}/readyz` },
      // Ready once it bundled the runtimes and simulates every node: beside other platforms and a
      // Flower run on CI's 2 cores that took over 60 s once. It logs each stage (its log says where it was).
      180_000,
    );

    return { ports, prometheus, collector, registry, registryDir, services: { broker, gateway, operator, simulator }, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
