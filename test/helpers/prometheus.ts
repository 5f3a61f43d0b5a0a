import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScrapeJob, startPrometheus } from "@edgefleet/tools";

/*
 * A real Prometheus (/usr/bin/prometheus) for integration tests: a free port, a temp directory for
 * its config, TSDB and log (removed by stop()), the given scrape jobs and rule files.
 *
 *   const prom = await startTestPrometheus({ jobs: [{ job: "edgefleet-telemetry-gateway", targets: [`127.0.0.1:${port}`] }] });
 *   await prom.waitFor('edgefleet_device_up == 1');
 *   await prom.stop();
 */

export type { ScrapeJob };

export interface TestPrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval (default 1s: tests want answers quickly). */
  readonly interval?: string;
}

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface Alert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: "pending" | "firing";
  readonly value: string;
}

export interface RuleState {
  readonly name: string;
  readonly type: "alerting" | "recording";
  readonly health: string;
  readonly lastError?: string;
  readonly group: string;
}

export interface TestPrometheus {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** An instant query; throws with Prometheus's own message when the query does not parse or fails. */
  query(expr: string): Promise<Sample[]>;
  /** Polls the query until `until` holds for its result (default: at least one sample); throws after timeoutMs with the last result. */
  waitFor(expr: string, options?: { until?: (samples: Sample[]) => boolean; timeoutMs?: number }): Promise<Sample[]>;
  /** Pending and firing alerts (/api/v1/alerts). */
  alerts(): Promise<Alert[]>;
  /** Every loaded rule with its health (/api/v1/rules). */
  rules(): Promise<RuleState[]>;
  /** What Prometheus logged, for failure messages. */
  log(): string;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; error?: string; data: T };
  if (body.status !== "success") throw new Error(`${url}: ${body.error ?? response.status}`);
  return body.data;
}

export async function startTestPrometheus(options: TestPrometheusOptions): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-prometheus-"));
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  try {
    prom = await startPrometheus({ ...options, interval: options.interval ?? "1s", dir });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const query = (expr: string) => prom.query(expr) as Promise<Sample[]>;
  return {
    url: prom.url,
    query,
    async waitFor(expr, { until = (s: Sample[]) => s.length > 0, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const samples = await query(expr);
        if (until(samples)) return samples;
        if (Date.now() > deadline)
          throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${expr}; last: ${JSON.stringify(samples)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    alerts: async () => (await api<{ alerts: Alert[] }>(`${prom.url}/api/v1/alerts`)).alerts,
    async rules() {
      const data = await api<{ groups: { name: string; rules: Omit<RuleState, "group">[] }[] }>(`${prom.url}/api/v1/rules`);
      return data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    },
    log: () => prom.service.output(),
    async stop() {
      await prom.service.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
