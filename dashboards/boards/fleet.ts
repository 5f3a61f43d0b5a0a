import type { BoardSpec } from "./grafana.js";
import { INFERENCE, RATE, SITE_CLASS } from "./selectors.js";

export const fleet: BoardSpec = {
  uid: "edgefleet-fleet",
  title: "edgefleet / Fleet overview",
  description: "Devices online by hardware class and site, alerts firing, rollouts in progress.",
  variables: ["site", "hardware_class", "node", "model", "version"],
  rows: [
    {
      title: "Now",
      panels: [
        {
          title: "Devices online",
          description: "Devices whose last message was a birth (edgefleet_device_up == 1).",
          type: "stat",
          width: 6,
          targets: [{ expr: `sum(max without (instance) (edgefleet_device_up{${SITE_CLASS}})) or vector(0)` }],
        },
        {
          title: "Devices offline",
          description: "Devices whose last message was a death or an MQTT last will.",
          type: "stat",
          width: 6,
          targets: [{ expr: `count(max without (instance) (edgefleet_device_up{${SITE_CLASS}}) == 0) or vector(0)` }],
        },
        {
          title: "edgefleet alerts firing",
          description: "Alerts from the edgefleet rules now firing (Prometheus' ALERTS series).",
          type: "stat",
          width: 6,
          targets: [{ expr: 'count(ALERTS{alertname=~"Edgefleet.*", alertstate="firing"}) or vector(0)' }],
        },
        {
          title: "Rollouts in progress",
          description: "EdgeModels whose rollout is progressing, analysing or paused.",
          type: "stat",
          width: 6,
          targets: [{ expr: 'count(edgefleet_rollout_phase{phase=~"Progressing|Analysing|Paused"} == 1) or vector(0)' }],
        },
      ],
    },
    {
      title: "Devices",
      panels: [
        {
          title: "Devices online by hardware class and site",
          description: "Online devices per site and hardware class.",
          stack: true,
          targets: [
            {
              expr: `sum by (site, hardware_class) (max without (instance) (edgefleet_device_up{${SITE_CLASS}}))`,
              legend: "{{site}} {{hardware_class}}",
            },
          ],
        },
        {
          title: "Devices by agent version",
          description: "Which edge-agent versions the fleet runs (edgefleet_device_info).",
          stack: true,
          targets: [{ expr: `count by (agent_version) (edgefleet_device_info{${SITE_CLASS}})`, legend: "{{agent_version}}" }],
        },
        {
          title: "Offline devices",
          description: "Devices that sent a death message or lost their MQTT connection (their other series are gone).",
          type: "table",
          width: 24,
          targets: [{ expr: `max without (instance) (edgefleet_device_up{${SITE_CLASS}}) == 0` }],
        },
      ],
    },
    {
      title: "Alerts and rollouts",
      panels: [
        {
          title: "Alerts firing",
          description: "Firing edgefleet alerts by name and severity.",
          stack: true,
          targets: [
            {
              expr: 'sum by (alertname, severity) (ALERTS{alertname=~"Edgefleet.*", alertstate="firing"})',
              legend: "{{alertname}} ({{severity}})",
            },
          ],
        },
        {
          title: "Rollouts in progress: step",
          description: "Current step (percent of the fleet on the new version) of every rollout not yet promoted.",
          unit: "percent",
          targets: [
            {
              expr: 'edgefleet_rollout_step and on (namespace, model) (edgefleet_rollout_phase{phase=~"Progressing|Analysing|Paused"} == 1)',
              legend: "{{namespace}}/{{model}}",
            },
          ],
        },
        {
          title: "Inferences per second by model",
          description: "Requests served across the selected devices.",
          unit: "reqps",
          stack: true,
          targets: [
            {
              expr: `sum by (namespace, model) (rate(edgefleet_inference_requests_total{${INFERENCE}}[${RATE}]))`,
              legend: "{{namespace}}/{{model}}",
            },
          ],
        },
        {
          title: "Fleet power by hardware class",
          description: "Whole-device power summed per class (node:edgefleet_device_power_watts:sum).",
          unit: "watt",
          stack: true,
          targets: [
            { expr: `sum by (hardware_class) (node:edgefleet_device_power_watts:sum{${SITE_CLASS}})`, legend: "{{hardware_class}}" },
          ],
        },
      ],
    },
  ],
};
