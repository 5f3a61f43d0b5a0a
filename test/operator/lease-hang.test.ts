import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { eventually, testCluster } from "../helpers/kube.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { installApi } from "./install.js";
import { OperatorProcess } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { operatorNamespace } from "./service-account.js";

const { kc, core } = testCluster();
const RENEW_DEADLINE_MS = 2000;
/** Process exit and this test's polling, on a loaded two-core machine. */
const MARGIN_MS = 1500;

const tempDir = useTempDirs("lease-hang");
let ns: string;
let kubeconfig: string;
let proxy: TcpProxy | undefined;
const operators: OperatorProcess[] = [];

/** The test cluster's kubeconfig with the server moved to the proxy: same certificates, same API server behind it. */
function kubeconfigThrough(port: number): string {
  const config = parse(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
  for (const { cluster } of config.clusters) {
    const url = new URL(cluster.server);
    url.port = String(port);
    cluster.server = url.origin;
  }
  const file = join(tempDir(), "kubeconfig.yaml");
  writeFileSync(file, stringify(config));
  return file;
}

async function holder(): Promise<string | undefined> {
  const res = await rawRequest(kc, { method: "GET", path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/edgefleet-operator` });
  return (res.body.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

beforeAll(async () => {
  await installApi(kc);
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-lease-hang"));
});

afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await proxy?.close();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("operator leader whose API server stops answering", () => {
  it("steps down within the renew deadline, before a standby takes the lease", async () => {
    proxy = await TcpProxy.start(Number(new URL(kc.getCurrentCluster()?.server ?? "").port));
    const a = new OperatorProcess({
      kubeconfig: kubeconfigThrough(proxy.port),
      namespace: ns,
      identity: "op-hung",
      extra: ["--renew-deadline", String(RENEW_DEADLINE_MS)],
    });
    operators.push(a);
    await a.waitForLog("controller started", { timeoutMs: 30_000 });
    const b = new OperatorProcess({ kubeconfig, namespace: ns, identity: "op-standby" });
    operators.push(b);
    await eventually("op-standby's caches warm", async () => ((await b.get("/readyz")).status === 200 ? true : undefined));
    // A second standby behind the proxy, whose informers lose the API server below.
    const c = new OperatorProcess({
      kubeconfig: kubeconfigThrough(proxy.port),
      namespace: ns,
      identity: "op-cut-off",
      extra: ["--informer-down-timeout", "1s"],
    });
    operators.push(c);
    await eventually("op-cut-off's caches warm", async () => ((await c.get("/readyz")).status === 200 ? true : undefined));
    expect([(await b.get("/healthz")).status, (await c.get("/healthz")).status]).toEqual([200, 200]);

    // Every request of op-hung now hangs: its lease renewals, its watches, its writes. Nothing fails fast.
    proxy.freeze();
    const frozenAt = performance.now();
    const code = await a.exited;
    const stoppedMs = performance.now() - frozenAt;
    console.log(`leader with a hung API connection exited ${stoppedMs.toFixed(0)} ms after the freeze`);
    expect(code).toBe(1);
    expect(stoppedMs).toBeLessThan(RENEW_DEADLINE_MS + MARGIN_MS);
    const lost = a.logs.find((l) => l.msg === "leadership lost: no renewal within the renew deadline");
    expect(lost).toBeDefined();

    await eventually("op-standby holds the lease", async () => ((await holder()) === "op-standby" ? true : undefined), 20_000);
    const took = await b.waitForLog("became leader");
    // Both processes write their wall clock of the same machine: the old leader had stopped first.
    expect(Date.parse(took.ts)).toBeGreaterThan(Date.parse(lost?.ts ?? ""));
    console.log(`standby became leader ${Date.parse(took.ts) - Date.parse(lost?.ts ?? "")} ms after the old leader stepped down`);
  });

  it("fails liveness of a standby whose informers can no longer list or watch", async () => {
    const c = operators.find((o) => o.identity === "op-cut-off");
    // Its open watches end; the relists that follow hang on the frozen proxy.
    proxy?.cut();
    const cutAt = performance.now();
    await eventually("op-cut-off's /healthz fails", async () => ((await c?.get("/healthz"))?.status === 503 ? true : undefined), 15_000);
    console.log(`liveness failed ${(performance.now() - cutAt).toFixed(0)} ms after the API connection was cut (timeout 1 s)`);
    const failing = await c?.waitForLog("liveness probe failing");
    expect(String(failing?.problems)).toMatch(/^informers .* without a list or watch for up to \d+ s \(most 1 s\)$/);
    expect((await c?.get("/readyz"))?.status).toBe(200);
  });
});
