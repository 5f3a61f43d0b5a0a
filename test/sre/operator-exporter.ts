import { createServer, type Server } from "node:http";
import { CONTROLLER_NAME, operatorMetrics } from "@edgefleet/operator";
import { Registry } from "prom-client";

/**
 * The operator's metric families, registered as the operator registers them, kept moving as a
 * working operator moves them and served over HTTP for a real Prometheus to scrape: the SRE kit's
 * operator panels and alerts need the families, not a Kubernetes cluster.
 */
export interface OperatorExporter {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startOperatorExporter(): Promise<OperatorExporter> {
  const registry = new Registry();
  const { controller, workQueue, kubeClient, informers, outcomes, events, leader, rollouts, placement, federated } = operatorMetrics(
    registry,
    {
      controller: CONTROLLER_NAME,
      workers: 4,
      inProgress: () => ({ totalSeconds: 0.12, longestSeconds: 0.08 }),
    },
  );
  leader(true);
  placement.placed("vision", "detector", new Map([["jetson-orin", false]]));
  controller.activeWorkers(1);
  informers.objects("edgemodels", 3);
  rollouts.state("vision", "detector", "Progressing", 25);
  federated.observed("vision", "digits-fl", {
    phase: "Running",
    rounds: 3,
    clients: 8,
    accuracyPercent: 91.5,
    epsilon: 2.1,
    stalled: false,
  });

  let tick = 0;
  const work = setInterval(() => {
    tick++;
    workQueue.added();
    workQueue.depth(tick % 3);
    workQueue.queued(0.0004);
    workQueue.worked(0.02);
    controller.reconciled(tick % 10 === 0 ? "error" : "success", 0.02 + (tick % 5) / 100);
    if (tick % 10 === 0) workQueue.retried();
    kubeClient("PATCH", tick % 20 === 0 ? 409 : 200, 0.008);
    informers.event("edgemodels", "MODIFIED");
    if (tick % 25 === 0) informers.restarted("edgemodels", "expired");
    outcomes(tick % 4 === 0 ? "synced" : "unchanged");
    if (tick % 5 === 0) {
      rollouts.decided("vision", "detector", "continue");
      rollouts.analysed(0.15);
      events("StepAdvanced", "recorded");
    }
  }, 200);
  work.unref();

  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("operator exporter has no port");
  return {
    port: address.port,
    async stop() {
      clearInterval(work);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
