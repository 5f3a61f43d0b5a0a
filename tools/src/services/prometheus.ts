import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./ports.js";
import { Service } from "./service.js";

export interface ScrapeJob {
  readonly job: string;
  /** host:port targets. */
  readonly targets: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusConfigOptions {
  readonly jobs: readonly ScrapeJob[];
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval; short in tests and the demo so decisions come quickly. */
  readonly interval?: string;
}

/** prometheus.yml for the local platform and tests. */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  const interval = options.interval ?? "5s";
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      static_configs: [{ targets: [...j.targets], ...(j.labels ? { labels: { ...j.labels } } : {}) }],
    })),
  });
}

const BINARY = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"];

export interface PrometheusOptions extends PrometheusConfigOptions {
  /** Its config, TSDB and log live here. */
  readonly dir: string;
  readonly port?: number;
  /** The address it listens on (default 127.0.0.1); the host's address lets pods query it. */
  readonly host?: string;
}

export interface Prometheus {
  readonly url: string;
  readonly service: Service;
  /** An instant query; throws with Prometheus's own error text on a bad query. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
}

/** Runs the real Prometheus server; resolves when /-/ready answers. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const binary = BINARY.find((p) => existsSync(p));
  if (binary === undefined) throw new Error("prometheus not found: run `tools/edgefleet setup` (installs the Debian package)");
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const configFile = join(options.dir, "prometheus.yml");
  writeFileSync(configFile, prometheusConfig(options));
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  const service = new Service({
    name: "prometheus",
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, "data")}`,
      `--web.listen-address=${options.host ?? "127.0.0.1"}:${port}`,
      "--web.enable-lifecycle",
      "--log.format=json",
    ],
    logFile: join(options.dir, "prometheus.log"),
    readiness: { httpUrl: `${url}/-/ready` },
    startTimeoutMs: 30_000,
  });
  await service.start();
  return {
    url,
    service,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { result: never[] } };
      if (body.status !== "success") throw new Error(`prometheus query ${expr}: ${body.error ?? response.status}`);
      return body.data?.result ?? [];
    },
  };
}
