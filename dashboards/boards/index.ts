import { fleet } from "./fleet.js";
import { board } from "./grafana.js";
import { node } from "./node.js";
import { platform } from "./platform.js";
import { rollout } from "./rollout.js";

/** File name under dashboards/grafana/ to the dashboard JSON model. */
export function boards(): Record<string, ReturnType<typeof board>> {
  return {
    "edgefleet-fleet.json": board(fleet),
    "edgefleet-rollout.json": board(rollout),
    "edgefleet-node.json": board(node),
    "edgefleet-platform.json": board(platform),
  };
}
