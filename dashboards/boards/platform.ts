import type { BoardSpec } from "./grafana.js";
import { RATE } from "./selectors.js";

const p99 = (title: string, histogram: string, by: string, legend: string) => ({
  title,
  description: `p50 and p99 of ${histogram}.`,
  unit: "s",
  targets: ["0.5", "0.99"].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${by}, le) (rate(${histogram}_bucket[${RATE}])))`,
    legend: `${legend} p${Number(q) * 100}`,
  })),
});

export const platform: BoardSpec = {
  uid: "edgefleet-platform",
  title: "edgefleet / Operator and gateway",
  description: "The operator's controller-runtime reconcile and work queue metrics, and the telemetry gateway's ingest.",
  variables: ["site", "node"],
  rows: [
    {
      title: "Operator: reconciles",
      panels: [
        {
          title: "Reconciles per second by result",
          description: "controller_runtime_reconcile_total: success, error, requeue, requeue_after.",
          unit: "ops",
          stack: true,
          targets: [
            {
              expr: `sum by (controller, result) (rate(controller_runtime_reconcile_total[${RATE}]))`,
              legend: "{{controller}} {{result}}",
            },
          ],
        },
        {
          title: "Reconcile errors per second",
          description: "controller_runtime_reconcile_errors_total.",
          unit: "ops",
          targets: [{ expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total[${RATE}]))`, legend: "{{controller}}" }],
        },
        p99("Reconcile time", "controller_runtime_reconcile_time_seconds", "controller", "{{controller}}"),
        {
          title: "Workers in use",
          description: "Active reconcile workers against the configured maximum.",
          targets: [
            { expr: "sum by (controller) (controller_runtime_active_workers)", legend: "{{controller}} active" },
            { expr: "max by (controller) (controller_runtime_max_concurrent_reconciles)", legend: "{{controller}} max" },
          ],
        },
        {
          title: "Reconcile outcomes",
          description: "What reconciles did: synced, unchanged, stalled, deleted, absent.",
          unit: "ops",
          stack: true,
          targets: [{ expr: `sum by (outcome) (rate(edgefleet_reconcile_outcomes_total[${RATE}]))`, legend: "{{outcome}}" }],
        },
        {
          title: "Leader",
          description: "1 for the instance holding the leader Lease.",
          targets: [{ expr: "edgefleet_leader_is_leader", legend: "{{instance}}" }],
        },
      ],
    },
    {
      title: "Operator: work queue",
      panels: [
        {
          title: "Work queue depth",
          description: "Keys waiting to be reconciled.",
          targets: [{ expr: "sum by (name) (workqueue_depth)", legend: "{{name}}" }],
        },
        {
          title: "Adds and retries per second",
          description: "Keys added, and keys re-added after a rate-limited retry.",
          unit: "ops",
          targets: [
            { expr: `sum by (name) (rate(workqueue_adds_total[${RATE}]))`, legend: "{{name}} adds" },
            { expr: `sum by (name) (rate(workqueue_retries_total[${RATE}]))`, legend: "{{name}} retries" },
          ],
        },
        p99("Queue wait", "workqueue_queue_duration_seconds", "name", "{{name}}"),
        p99("Work duration", "workqueue_work_duration_seconds", "name", "{{name}}"),
        {
          title: "Work in progress",
          description: "Seconds of unfinished work, and the longest-running reconcile: a stuck worker grows without bound.",
          unit: "s",
          targets: [
            { expr: "max by (name) (workqueue_unfinished_work_seconds)", legend: "{{name}} unfinished" },
            { expr: "max by (name) (workqueue_longest_running_processor_seconds)", legend: "{{name}} longest" },
          ],
        },
        {
          title: "API server requests",
          description: "The operator's requests to the Kubernetes API by verb and status code (0: no answer).",
          unit: "reqps",
          stack: true,
          targets: [{ expr: `sum by (verb, code) (rate(edgefleet_kube_requests_total[${RATE}]))`, legend: "{{verb}} {{code}}" }],
        },
        p99("API server latency", "edgefleet_kube_request_duration_seconds", "verb", "{{verb}}"),
        {
          title: "Informers",
          description: "Objects cached per resource, and informer restarts (error, stall, expired).",
          targets: [
            { expr: "sum by (resource) (edgefleet_informer_objects)", legend: "{{resource}} objects" },
            {
              expr: "sum by (resource, reason) (increase(edgefleet_informer_restarts_total[1h]))",
              legend: "{{resource}} restarts ({{reason}})",
            },
          ],
        },
      ],
    },
    {
      title: "Operator: federated training",
      panels: [
        {
          title: "Federated rounds and clients",
          description: "Rounds each FederatedTraining has finished, and its devices with a client now.",
          targets: [
            { expr: "max by (namespace, training) (edgefleet_federated_rounds)", legend: "{{namespace}}/{{training}} rounds" },
            { expr: "max by (namespace, training) (edgefleet_federated_clients)", legend: "{{namespace}}/{{training}} clients" },
          ],
        },
        {
          title: "Federated model accuracy",
          description: "Accuracy of each job's latest global model on the coordinator's evaluation data.",
          unit: "percentunit",
          targets: [{ expr: "max by (namespace, training) (edgefleet_federated_accuracy_ratio)", legend: "{{namespace}}/{{training}}" }],
        },
        {
          title: "Federated privacy spent and stalls",
          description: "Epsilon each DP job has spent, and 1 while a job is Stalled (EdgefleetFederatedTrainingStalled).",
          targets: [
            { expr: "max by (namespace, training) (edgefleet_federated_epsilon)", legend: "{{namespace}}/{{training}} epsilon" },
            { expr: "max by (namespace, training) (edgefleet_federated_stalled)", legend: "{{namespace}}/{{training}} stalled" },
          ],
        },
      ],
    },
    {
      title: "Operator: model builds",
      panels: [
        {
          title: "Build Jobs ended, by result",
          description:
            "edgefleet_build_jobs_total: succeeded (every target built or refused on its measurements) or failed (EdgefleetModelBuildsFailing).",
          unit: "short",
          stack: true,
          targets: [{ expr: `sum by (result) (increase(edgefleet_build_jobs_total[1h]))`, legend: "{{result}} (1h)" }],
        },
        {
          title: "Targets built and refused",
          description: "edgefleet_build_targets_total over the last day: Refused means over the build's accuracy budget.",
          unit: "short",
          stack: true,
          targets: [{ expr: "sum by (target, verdict) (increase(edgefleet_build_targets_total[1d]))", legend: "{{target}} {{verdict}}" }],
        },
        p99("Build duration", "edgefleet_build_duration_seconds", "job", "builds"),
        {
          title: "Published versions on the fleet, by outcome",
          description:
            "edgefleet_build_rollouts_total over the last day: how the versions builds published ended their staged rollout (Promoted, RolledBack, RolloutHeld, Superseded).",
          unit: "short",
          stack: true,
          targets: [{ expr: "sum by (outcome) (increase(edgefleet_build_rollouts_total[1d]))", legend: "{{outcome}}" }],
        },
      ],
    },
    {
      title: "Gateway",
      panels: [
        {
          title: "Ingest rate",
          description: "MQTT messages per second by kind and result (accepted, rejected, duplicate).",
          unit: "ops",
          stack: true,
          targets: [{ expr: `sum by (kind, result) (rate(edgefleet_gateway_messages_total[${RATE}]))`, legend: "{{kind}} {{result}}" }],
        },
        {
          title: "Rejected messages by reason",
          description: "The validator's codes: wrong-topic, oversized, malformed-json, wrong-schema-version, invalid-payload.",
          unit: "ops",
          stack: true,
          targets: [{ expr: `sum by (reason) (rate(edgefleet_gateway_rejected_messages_total[${RATE}]))`, legend: "{{reason}}" }],
        },
        {
          title: "Dropped entries by reason",
          description:
            "Samples, inference and artifact entries of accepted messages that made no series: a label name repeated or not a label name, or a node past --max-series-per-node or --max-label-values-per-node.",
          unit: "ops",
          stack: true,
          targets: [{ expr: `sum by (reason) (rate(edgefleet_gateway_dropped_entries_total[${RATE}]))`, legend: "{{reason}}" }],
        },
        {
          title: "Sequence gaps",
          description: "Messages missing from a node's sequence: telemetry lost between agent and gateway.",
          targets: [
            {
              expr: `sum by (site, node) (increase(edgefleet_gateway_sequence_gaps_total{site=~"$site", node=~"$node"}[${RATE}]))`,
              legend: "{{site}} {{node}}",
            },
          ],
        },
        {
          title: "Devices known to the gateway",
          description: "Devices by state, and the device series the gateway holds.",
          targets: [
            { expr: "sum by (state) (edgefleet_gateway_devices)", legend: "{{state}}" },
            { expr: "sum(edgefleet_gateway_series)", legend: "series" },
          ],
        },
        {
          title: "Broker connection",
          description: "1 while a gateway is connected to the MQTT broker.",
          targets: [{ expr: "edgefleet_gateway_mqtt_connected", legend: "{{instance}}" }],
        },
        {
          title: "Scrape targets up",
          description: "Prometheus' view of the edgefleet targets.",
          targets: [{ expr: 'up{job=~"edgefleet-.*"}', legend: "{{job}} {{instance}}" }],
        },
      ],
    },
    {
      title: "Processes",
      panels: [
        {
          title: "Resident memory",
          description: "Operator and gateway processes.",
          unit: "bytes",
          targets: [{ expr: 'process_resident_memory_bytes{job=~"edgefleet-.*"}', legend: "{{job}} {{instance}}" }],
        },
        {
          title: "CPU",
          description: "CPU seconds per second used by the operator and gateway processes.",
          unit: "percentunit",
          targets: [{ expr: `rate(process_cpu_seconds_total{job=~"edgefleet-.*"}[${RATE}])`, legend: "{{job}} {{instance}}" }],
        },
        {
          title: "Event loop lag p99",
          description: "A blocked event loop delays reconciles and telemetry alike.",
          unit: "s",
          targets: [{ expr: 'nodejs_eventloop_lag_p99_seconds{job=~"edgefleet-.*"}', legend: "{{job}} {{instance}}" }],
        },
      ],
    },
  ],
};
