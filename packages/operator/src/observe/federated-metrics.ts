import { FEDERATED_PHASES } from "@edgefleet/api";
import { Gauge, type Registry } from "prom-client";

/** Where a FederatedTraining stands after a reconcile, for its series. */
export interface FederatedJobState {
  phase: string;
  /** Rounds finished. */
  rounds: number;
  clients: number;
  accuracyPercent?: number;
  epsilon?: number;
  stalled: boolean;
}

export interface FederatedMetrics {
  observed(namespace: string, job: string, state: FederatedJobState): void;
  /** Drops a deleted job's series, so they stay bounded by the jobs that exist. */
  forget(namespace: string, job: string): void;
}

/**
 * The FederatedTraining controller's families (docs/federated.md): one series per job and
 * namespace (bounded by the jobs that exist), phases as 0/1 series like edgefleet_rollout_phase.
 * The Grafana panel and the EdgefleetFederatedTrainingStalled alert read them.
 */
export function federatedMetrics(registry: Registry): FederatedMetrics {
  // "training", not "job": Prometheus keeps "job" for the scrape job.
  const labelNames = ["namespace", "training"];
  const gauge = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: [...labelNames, ...extra], registers: [registry] });
  const phase = gauge("edgefleet_federated_phase", "1 for the job's current phase (Pending, Running, Succeeded, Failed), else 0", [
    "phase",
  ]);
  const rounds = gauge("edgefleet_federated_rounds", "Rounds of the job finished so far");
  const clients = gauge("edgefleet_federated_clients", "Devices given a client now: those the job started with that are still eligible");
  const accuracy = gauge(
    "edgefleet_federated_accuracy_ratio",
    "Accuracy of the job's latest global model on the coordinator's evaluation data, as a ratio",
  );
  const epsilon = gauge("edgefleet_federated_epsilon", "Privacy budget the job has spent, with differential privacy on");
  const stalled = gauge(
    "edgefleet_federated_stalled",
    "1 while the job is Stalled (no round within spec.stallAfterSeconds, or its coordinator failed), else 0",
  );
  const values = [rounds, clients, accuracy, epsilon, stalled];
  return {
    observed(namespace, job, s) {
      for (const p of FEDERATED_PHASES) phase.set({ namespace, training: job, phase: p }, p === s.phase ? 1 : 0);
      rounds.set({ namespace, training: job }, s.rounds);
      clients.set({ namespace, training: job }, s.clients);
      if (s.accuracyPercent !== undefined) accuracy.set({ namespace, training: job }, s.accuracyPercent / 100);
      if (s.epsilon !== undefined) epsilon.set({ namespace, training: job }, s.epsilon);
      stalled.set({ namespace, training: job }, s.stalled ? 1 : 0);
    },
    forget(namespace, job) {
      for (const p of FEDERATED_PHASES) phase.remove({ namespace, training: job, phase: p });
      for (const g of values) g.remove({ namespace, training: job });
    },
  };
}
